import { isKnownEventType, unknownEventMessage } from "@voucherify-webhooks/core/EventType"
import * as Either from "effect/Either"
import { UsageError } from "./CliErrors.js"

/** Why a typed event name is not acceptable: core's message, naming the flag and the way to allow it. */
export const eventProblem = (flag: string, name: string, allowUnknown: boolean): string | undefined =>
  allowUnknown || isKnownEventType(name)
    ? undefined
    : `${flag} ${name}: ${unknownEventMessage(name, "pass --allow-unknown-events")}`

/** Event names given by a flag, checked before any call (malformed names are left to core's validation). */
export const checkEventFlags = (
  flag: string,
  names: ReadonlyArray<string>,
  allowUnknown: boolean
): Either.Either<void, UsageError> => {
  const problems = names.map((e) => eventProblem(flag, e, allowUnknown)).filter((p): p is string => p !== undefined)
  return problems.length > 0 ? Either.left(new UsageError({ message: problems.join("; ") })) : Either.void
}
