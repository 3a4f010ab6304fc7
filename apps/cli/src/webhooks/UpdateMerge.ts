import { isKnownEventType } from "@voucherify-webhooks/core/EventType"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { RemoteWebhook } from "../apply/Plan.js"
import { UsageError } from "../CliErrors.js"
import { eventProblem } from "../EventFlags.js"

/** What `vwh webhooks update` was asked to change; anything not named keeps its current value. */
export interface RequestedUpdate {
  readonly url: Option.Option<string>
  /** Replaces the whole list when non-empty. */
  readonly events: ReadonlyArray<string>
  readonly addEvents: ReadonlyArray<string>
  readonly removeEvents: ReadonlyArray<string>
  readonly active: Option.Option<boolean>
  readonly allowUnknownEvents: boolean
}

export interface MergedUpdate {
  /** The full-replace body: every field, `active` always. */
  readonly body: { readonly target_url: string; readonly events: ReadonlyArray<string>; readonly active: boolean }
  /** True when the body keeps event names this release does not know, which the server sent us. */
  readonly keepsUnknownEvents: boolean
  readonly warnings: ReadonlyArray<string>
}

/** Mistakes visible in the flags alone, caught before any call. */
export const checkUpdateFlags = (flags: RequestedUpdate): Either.Either<void, UsageError> => {
  const fail = (message: string) => Either.left(new UsageError({ message }))
  if (
    Option.isNone(flags.url) &&
    flags.events.length === 0 &&
    flags.addEvents.length === 0 &&
    flags.removeEvents.length === 0 &&
    Option.isNone(flags.active)
  ) {
    return fail("nothing to update: pass --url, --event, --add-event, --remove-event, --active or --inactive")
  }
  const both = flags.addEvents.filter((e) => flags.removeEvents.includes(e))
  if (both.length > 0) return fail(`--add-event and --remove-event both name ${both.join(", ")}: pick one`)
  const problems = [
    ...flags.events.map((e) => eventProblem("--event", e, flags.allowUnknownEvents)),
    ...flags.addEvents.map((e) => eventProblem("--add-event", e, flags.allowUnknownEvents))
  ].filter((p): p is string => p !== undefined)
  if (problems.length > 0) return fail(problems.join("; "))
  return Either.void
}

/** Applies the flags to the current webhook, giving the PUT body (a full replace) or why it cannot be built. */
export const mergeUpdate = (
  current: RemoteWebhook,
  flags: RequestedUpdate
): Either.Either<MergedUpdate, UsageError> => {
  const checked = checkUpdateFlags(flags)
  if (Either.isLeft(checked)) return Either.left(checked.left)

  const warnings: Array<string> = []
  let events = flags.events.length > 0 ? [...new Set(flags.events)] : [...current.events]
  for (const e of flags.addEvents) if (!events.includes(e)) events.push(e)
  for (const e of flags.removeEvents) {
    if (!events.includes(e)) warnings.push(`--remove-event ${e}: the webhook does not listen to it; nothing to remove`)
  }
  events = events.filter((e) => !flags.removeEvents.includes(e))
  if (events.length === 0) {
    return Either.left(
      new UsageError({
        message: `the update would leave webhook ${current.id} with no events; keep at least one, or delete it with \`vwh webhooks delete\``
      })
    )
  }
  const typed = new Set([...flags.events, ...flags.addEvents])
  return Either.right({
    body: {
      target_url: Option.getOrElse(flags.url, () => current.target_url),
      events,
      active: Option.getOrElse(flags.active, () => current.active)
    },
    keepsUnknownEvents: events.some((e) => !typed.has(e) && !isKnownEventType(e)),
    warnings
  })
}
