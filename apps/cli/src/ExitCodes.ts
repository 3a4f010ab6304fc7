/**
 * The exit codes `vwh` promises scripts. Stable: never renumber, only add. Every error is mapped to its code
 * here and nowhere else.
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  rateLimited: 5,
  http: 6,
  conflict: 7,
  stalePlan: 8,
  drift: 10,
  /** 128 + SIGINT, as shells report a process Ctrl-C ended; also a prompt answered with Ctrl-C. */
  interrupted: 130,
  /** 128 + SIGPIPE: stdout was closed before vwh finished writing (e.g. `vwh events | head -1`). */
  closedPipe: 141,
  /** 128 + SIGTERM. */
  terminated: 143
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** One line per code, for `--help` and the README. */
export const exitCodeHelp: ReadonlyArray<readonly [ExitCode, string]> = [
  [ExitCode.ok, "success (for `apply --dry-run`: nothing would change)"],
  [ExitCode.unexpected, "unexpected error (a bug: please report it)"],
  [ExitCode.usage, "usage or validation error: bad flags, an invalid apply file, a refused confirmation"],
  [ExitCode.auth, "authentication: missing or wrong credentials, plan without the Management API, wrong region"],
  [ExitCode.notFound, "not found: no such project or webhook; `trigger`: no webhook of the project takes the event"],
  [ExitCode.rateLimited, "rate limited, still after the client's retries"],
  [
    ExitCode.http,
    "HTTP or network: unreachable, timeout, 5xx, an unexpected answer; `trigger`: the receiver's non-2xx"
  ],
  [ExitCode.conflict, "apply: ambiguous remote state (two webhooks with the same target_url in a project)"],
  [ExitCode.stalePlan, "apply PLAN: the webhooks changed since the plan was saved; nothing was changed"],
  [ExitCode.drift, "`apply --dry-run` or `--plan-out`: changes are pending (drift)"],
  [ExitCode.interrupted, "interrupted by Ctrl-C or SIGINT (what was done is printed), or a prompt aborted with Ctrl-C"],
  [ExitCode.closedPipe, "stdout was closed before vwh finished writing, e.g. `vwh events | head -1` (nothing printed)"],
  [ExitCode.terminated, "terminated by SIGTERM (what was done is printed)"]
]

// @effect/cli's own parse errors carry these tags.
const cliParseTags = new Set([
  "CommandMismatch",
  "CorrectedFlag",
  "InvalidArgument",
  "InvalidValue",
  "MissingFlag",
  "MissingValue",
  "MissingSubcommand",
  "MultipleValuesDetected",
  "NoBuiltInMatch",
  "UnclusteredFlag",
  "HelpRequested"
])

/** The exit code for anything a command can fail with: core's errors by `_tag`, the CLI's own, parse and config errors. */
export const exitCodeFor = (error: unknown): ExitCode => {
  const tag =
    typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
      ? error._tag
      : undefined
  switch (tag) {
    case "ValidationError":
    case "ConfigError":
    case "UsageError":
    case "ApplyFileError":
      return ExitCode.usage
    case "AuthError":
      return ExitCode.auth
    case "NotFoundError":
    case "NothingDelivered":
      return ExitCode.notFound
    case "RateLimitError":
      return ExitCode.rateLimited
    case "HttpError":
    case "TriggerFailed":
    case "ListenError":
    case "SandboxFailed":
      return ExitCode.http
    case "AmbiguousRemote":
      return ExitCode.conflict
    case "StalePlan":
      return ExitCode.stalePlan
    case "Aborted":
      return ExitCode.interrupted
    case "DriftDetected":
      return ExitCode.drift
    case "ApplyIncomplete": {
      const code = (error as { readonly exitCode?: unknown }).exitCode
      return typeof code === "number" && Object.values(ExitCode).includes(code as ExitCode)
        ? (code as ExitCode)
        : ExitCode.unexpected
    }
    default:
      if (tag !== undefined && cliParseTags.has(tag)) return ExitCode.usage
      return ExitCode.unexpected
  }
}
