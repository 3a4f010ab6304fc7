import * as Schema from "effect/Schema"

/** The command line asks for something impossible or incomplete (exit 2); `message` says how to fix it. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String
}) {}

/** One problem in an apply file, at a path such as `projects.proj_x[2].events[1]`. */
export const FileProblem = Schema.Struct({ path: Schema.String, message: Schema.String })
export type FileProblem = typeof FileProblem.Type

/** The apply file could not be read or does not validate; nothing was sent (exit 2). */
export class ApplyFileError extends Schema.TaggedError<ApplyFileError>()("ApplyFileError", {
  file: Schema.String,
  message: Schema.String,
  problems: Schema.Array(FileProblem)
}) {}

/** Apply finished, but some projects or changes failed; `exitCode` is that of the first failure. */
export class ApplyIncomplete extends Schema.TaggedError<ApplyIncomplete>()("ApplyIncomplete", {
  message: Schema.String,
  exitCode: Schema.Int
}) {}

/** `apply --dry-run` found changes to make: not a failure, but CI wants a distinct exit code (10). */
export class DriftDetected extends Schema.TaggedError<DriftDetected>()("DriftDetected", {
  message: Schema.String
}) {}

/** The local listener could not start, e.g. the port is taken. */
export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  message: Schema.String
}) {}

/** Two remote webhooks share a target_url, so apply cannot tell which one the file means (exit 7). */
export class AmbiguousRemote extends Schema.TaggedError<AmbiguousRemote>()("AmbiguousRemote", {
  message: Schema.String,
  projectId: Schema.String,
  targetUrl: Schema.String,
  webhookIds: Schema.Array(Schema.String)
}) {}

/** The sandbox could not start, e.g. its port is taken. */
export class SandboxFailed extends Schema.TaggedError<SandboxFailed>()("SandboxFailed", {
  message: Schema.String
}) {}

/** A saved plan no longer matches the remote webhooks it was computed from; nothing was changed (exit 8). */
export class StalePlan extends Schema.TaggedError<StalePlan>()("StalePlan", {
  message: Schema.String
}) {}

/** A prompt was answered with Ctrl-C; nothing was changed (exit 130). */
export class Aborted extends Schema.TaggedError<Aborted>()("Aborted", {
  message: Schema.String
}) {}

/** `vwh trigger`: the delivery was not accepted (a non-2xx answer) or could not be sent (exit 6). */
export class TriggerFailed extends Schema.TaggedError<TriggerFailed>()("TriggerFailed", {
  message: Schema.String
}) {}

/** `vwh trigger` through the sandbox: no active webhook of the project subscribes to the event (exit 4). */
export class NothingDelivered extends Schema.TaggedError<NothingDelivered>()("NothingDelivered", {
  message: Schema.String
}) {}
