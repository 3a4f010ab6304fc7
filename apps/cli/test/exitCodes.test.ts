import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import {
  AuthError,
  ValidationError as CoreValidation,
  HttpError,
  NotFoundError,
  RateLimitError
} from "@voucherify-webhooks/core/Errors"
import * as ConfigError from "effect/ConfigError"
import { describe, expect, it } from "vitest"
import {
  Aborted,
  AmbiguousRemote,
  ApplyFileError,
  ApplyIncomplete,
  DriftDetected,
  StalePlan,
  UsageError
} from "../src/CliErrors.js"
import { ExitCode, exitCodeFor } from "../src/ExitCodes.js"
import { describeError } from "../src/Report.js"

describe("exit codes", () => {
  it("maps every core error by _tag", () => {
    expect(exitCodeFor(new CoreValidation({ message: "m", source: "client", issues: [] }))).toBe(2)
    expect(exitCodeFor(new AuthError({ message: "m", reason: "unauthorized" }))).toBe(3)
    expect(exitCodeFor(new NotFoundError({ message: "m", resource: "webhook" }))).toBe(4)
    expect(exitCodeFor(new RateLimitError({ message: "m" }))).toBe(5)
    expect(exitCodeFor(new HttpError({ message: "m", reason: "transport" }))).toBe(6)
  })

  it("maps the CLI's own errors, parse errors and config errors", () => {
    expect(exitCodeFor(new UsageError({ message: "m" }))).toBe(ExitCode.usage)
    expect(exitCodeFor(new ApplyFileError({ file: "f", message: "m", problems: [] }))).toBe(2)
    expect(exitCodeFor(new DriftDetected({ message: "m" }))).toBe(10)
    expect(exitCodeFor(new AmbiguousRemote({ message: "m", projectId: "p", targetUrl: "u", webhookIds: [] }))).toBe(7)
    expect(exitCodeFor(new ApplyIncomplete({ message: "m", exitCode: 5 }))).toBe(5)
    expect(exitCodeFor(new StalePlan({ message: "m" }))).toBe(8)
    expect(exitCodeFor(new Aborted({ message: "m" }))).toBe(130)
    expect(exitCodeFor(ValidationError.missingFlag(HelpDoc.p("Expected to find option: '--project'")))).toBe(2)
    expect(exitCodeFor(ConfigError.InvalidData(["VOUCHERIFY_TIMEOUT"], "bad"))).toBe(2)
    expect(exitCodeFor(new Error("boom"))).toBe(1)
    expect(exitCodeFor("what")).toBe(1)
  })

  it("describes every error in one line, with the request_id", () => {
    expect(
      describeError(new NotFoundError({ message: "No such webhook", resource: "webhook", request_id: "v-1" }))
    ).toBe("No such webhook (request_id v-1)")
    expect(describeError(ValidationError.missingFlag(HelpDoc.p("Expected to find option: '--project'")))).toBe(
      "Expected to find option: '--project' (see `vwh --help`)"
    )
    expect(describeError(new Error("a\nb"))).toBe("a; b")
    expect(describeError(ConfigError.InvalidData(["VOUCHERIFY_TIMEOUT"], "bad"))).toContain("VOUCHERIFY_TIMEOUT")
  })
})
