import * as Schema from "effect/Schema"

/** The command line is wrong (an unknown option, a missing value, a stray argument): exit 2, nothing started. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  message: Schema.String
}) {}

/**
 * The configuration or the environment cannot be used, or they contradict each other: exit 2, nothing started.
 * Each line is printed as it is, so each names its source (`config error: proxy.json: clients.0.id: …`).
 */
export class StartupRefused extends Schema.TaggedError<StartupRefused>()("StartupRefused", {
  problems: Schema.Array(Schema.String)
}) {}

/** `workers: N`: the workers could not start (the port is taken, …); each said why on stderr. Exit `exitCode`. */
export class WorkersFailed extends Schema.TaggedError<WorkersFailed>()("WorkersFailed", {
  message: Schema.String,
  exitCode: Schema.Number
}) {}
