import * as Schema from "effect/Schema"

/**
 * Anything the sandbox itself refuses or fails at. `reason` lets the control API pick a status and lets
 * callers tell a missing project from a full one without parsing messages.
 */
export class SandboxError extends Schema.TaggedError<SandboxError>()("SandboxError", {
  reason: Schema.Literal(
    "project_not_found",
    "webhook_not_found",
    "invalid",
    "limit_exceeded",
    "conflict",
    "startup",
    // startSandbox's waitForDeliveries gave up (never from the HTTP APIs).
    "timeout"
  ),
  message: Schema.String,
  /** For a startup failure, the system error behind it (EADDRINUSE when the port is taken). */
  code: Schema.optional(Schema.String)
}) {}
