import * as HttpClientError from "@effect/platform/HttpClientError"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { webhooksConfig } from "@voucherify-webhooks/core/Config"
import { deliveryFixtures } from "@voucherify-webhooks/core/DeliveryFixtures"
import { AuthError, NotFoundError } from "@voucherify-webhooks/core/Errors"
import {
  eventNamePattern,
  isKnownEventType,
  maxEventNameLength,
  unknownEventMessage
} from "@voucherify-webhooks/core/EventType"
import { fixtureData, makeDelivery, parseOverride } from "@voucherify-webhooks/core/MakeDelivery"
import { signatureHeader, signPayload } from "@voucherify-webhooks/core/Signature"
import type { DeliveryRecord } from "@voucherify-webhooks/sandbox/ControlApi"
import { makeControlClient } from "@voucherify-webhooks/sandbox/ControlClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { NothingDelivered, TriggerFailed, UsageError } from "../CliErrors.js"
import { parseTimeout, resolveConfig } from "../Client.js"
import { type Answer, httpRequest } from "../HttpRequest.js"
import { keyFieldsText } from "../KeyFields.js"
import { Output } from "../Output.js"
import { addSecret } from "../Redact.js"
import { version } from "../Version.js"
import type { TriggerFlags } from "./command.js"

/** What Voucherify gives a receiver before it counts a delivery as failed and retries it (10 s: Voucherify's webhook documentation, https://docs.voucherify.io/api-reference/introduction-to-webhooks). */
const voucherifyWaitsMs = 10_000

const userAgent = `vwh-trigger/${version}`

// The events trigger can send: every one with a realistic fixture (core's 89; the 61 of `vwh events` among them).
// Read from the fixtures rather than TypedDelivery, which would build every event's schema at start-up.
const sendable = Object.keys(deliveryFixtures)

/** The event name, checked: with --to any event with a fixture (and, allowed, any well-formed name); else the 61. */
const checkEvent = (name: string, direct: boolean, allowUnknown: boolean): Effect.Effect<void, UsageError> => {
  if (fixtureData(name) !== undefined) {
    return direct || isKnownEventType(name)
      ? Effect.void
      : Effect.fail(
          new UsageError({
            message: `${name} is a customer-activity or distribution event, which project webhooks do not receive, so the sandbox does not raise it; send it to your receiver with --to URL`
          })
        )
  }
  if (allowUnknown) {
    if (!direct) {
      return Effect.fail(
        new UsageError({
          message: "--allow-unknown-events needs --to URL: the sandbox raises only the events `vwh events` lists"
        })
      )
    }
    if (name.length <= maxEventNameLength && eventNamePattern.test(name)) return Effect.void
    return Effect.fail(
      new UsageError({
        message: `"${name.slice(0, maxEventNameLength)}" is not an event name: expected dot-separated lowercase words such as redemption.succeeded`
      })
    )
  }
  return Effect.fail(
    new UsageError({
      message: direct
        ? unknownEventMessage(name, "pass --allow-unknown-events to send it with an empty data", sendable)
        : unknownEventMessage(name, "send a name this release does not know with --to URL --allow-unknown-events")
    })
  )
}

const overridesOf = (flags: TriggerFlags) =>
  Effect.forEach(flags.set, (text) =>
    parseOverride(text).pipe(Effect.mapError((e) => new UsageError({ message: `--set ${e.message}` })))
  )

const build = (type: string, options: Parameters<typeof makeDelivery>[1]) =>
  makeDelivery(type, options).pipe(Effect.mapError((e) => new UsageError({ message: `--set ${e.message}` })))

/** The receiver's answer on one line: status, time, and the start of its body. */
const answerText = (answer: Answer) => {
  const body = answer.body.replace(/\s+/g, " ").trim()
  return `${answer.status} in ${answer.ms} ms${body === "" ? "" : `: ${body.length > 200 ? `${body.slice(0, 199)}…` : body}`}`
}

const isOk = (status: number) => status >= 200 && status < 300

/** `vwh trigger EVENT --to URL`: one delivery, signed over exactly the bytes sent. */
const sendTo = (url: string, flags: TriggerFlags) =>
  Effect.gen(function* () {
    const output = yield* Output
    const target = URL.canParse(url) ? new URL(url) : undefined
    if (target === undefined || (target.protocol !== "http:" && target.protocol !== "https:")) {
      return yield* new UsageError({
        message: `--to "${url}" is not an http(s) URL; use e.g. http://localhost:3000/webhooks`
      })
    }
    if (Option.isNone(flags.secret) || Redacted.value(flags.secret.value) === "") {
      return yield* new UsageError({
        message:
          "--to needs the signing secret your receiver verifies with: pass --secret or set VOUCHERIFY_WEBHOOK_SECRET"
      })
    }
    const secret = flags.secret.value
    addSecret(secret)
    const timeout = Option.isSome(flags.timeout) ? parseTimeout(flags.timeout.value) : (yield* webhooksConfig).timeout
    if (timeout === undefined) {
      return yield* new UsageError({
        message: `--timeout "${Option.getOrElse(flags.timeout, () => "")}" is not a duration; use e.g. 10s, 500ms or 2m`
      })
    }
    const delivery = yield* build(flags.event, {
      ...Option.match(flags.project, { onNone: () => ({}), onSome: (projectId) => ({ projectId }) }),
      // The webhook that "sent" it points at the receiver; --set may still change it.
      overrides: [["source.target_url", url], ...(yield* overridesOf(flags))]
    })
    const body = Buffer.from(JSON.stringify(delivery))
    const signature = signPayload(body, secret)
    const result = yield* Effect.either(
      httpRequest({
        method: "POST",
        url,
        body,
        headers: { "content-type": "application/json", [signatureHeader]: signature, "user-agent": userAgent },
        timeoutMs: Duration.toMillis(timeout)
      })
    )
    if (output.format === "json") {
      yield* output.json({
        to: url,
        bytes: body.byteLength,
        signature,
        delivery,
        ...(result._tag === "Right"
          ? { response: { status: result.right.status, ms: result.right.ms, body: result.right.body } }
          : { error: { code: result.left.code, message: result.left.message } })
      })
    } else {
      yield* output.line(
        `${result._tag === "Right" || result.left.code === "TIMEOUT" ? "sent" : "could not send"} ${delivery.type} ${delivery.id} to ${url} (${body.byteLength} bytes, ${signatureHeader} ${signature.slice(0, 12)}…)`
      )
      const fields = keyFieldsText(delivery)
      if (fields !== "") yield* output.line(`  ${fields}`)
      if (result._tag === "Right") yield* output.line(`answered ${answerText(result.right)}`)
    }
    if (result._tag === "Left") {
      return yield* new TriggerFailed({
        message:
          result.left.code === "TIMEOUT"
            ? `${url} did not answer within ${Duration.format(timeout)} (--timeout): Voucherify waits 10 s, then counts the delivery as failed and retries it`
            : `could not deliver to ${url}: ${result.left.message}; is your receiver running there?`
      })
    }
    if (!isOk(result.right.status)) {
      return yield* new TriggerFailed({
        message: `${url} answered ${result.right.status}, not 2xx: Voucherify would count the delivery as failed and retry it${
          result.right.status === 401 ? " (401: does the receiver verify with this project's secret?)" : ""
        }`
      })
    }
    if (result.right.ms > voucherifyWaitsMs) {
      yield* output.warn(
        `${url} took ${(result.right.ms / 1000).toFixed(1)} s: Voucherify waits 10 s, so it would count this delivery as failed and retry it; answer first, then work`
      )
    }
  })

// The system's reason (ECONNREFUSED, …) under the platform's wrapper, as node:http gives it.
const transportReason = (e: HttpClientError.RequestError): string => {
  const cause = e.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  return typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : e.message
}

// Voucherify itself has no way to raise a test event; its hosts are never sent the control API's calls.
const isVoucherify = (baseUrl: string) => /(^|\.)voucherify\.io$/i.test(new URL(baseUrl).hostname)

/** `vwh trigger EVENT --project P`: raised in a running sandbox, delivered to the project's webhooks. */
const throughSandbox = (flags: TriggerFlags) =>
  Effect.gen(function* () {
    const output = yield* Output
    if (Option.isNone(flags.project)) {
      return yield* new UsageError({
        message:
          "`vwh trigger` needs --to URL (send to your receiver) or --project ID (a running `vwh sandbox` delivers it to that project's webhooks)"
      })
    }
    const projectId = flags.project.value
    const overrides = yield* overridesOf(flags)
    const envelope = overrides.find(([path]) => !path.startsWith("data."))
    if (envelope !== undefined) {
      return yield* new UsageError({
        message: `--set ${envelope[0]}: through the sandbox only data.… can be set (the sandbox builds the envelope); send it yourself with --to URL`
      })
    }
    const config = yield* resolveConfig(flags)
    if (isVoucherify(config.baseUrl)) {
      return yield* new UsageError({
        message: `without --to, vwh trigger raises the event in a running \`vwh sandbox\`, and ${config.baseUrl} is Voucherify itself: set VOUCHERIFY_API_URL (or --base-url) to the sandbox's URL, or send the delivery to your receiver with --to URL`
      })
    }
    if (Option.isNone(config.credentials)) {
      return yield* new UsageError({
        message:
          "no credentials for the sandbox: set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN to the ones `vwh sandbox` prints"
      })
    }
    const deadline = Date.now() + Duration.toMillis(config.timeout)
    const remaining = () => Duration.millis(Math.max(1, deadline - Date.now()))
    const unreachable = (message: string) =>
      new TriggerFailed({
        message: `could not reach the sandbox at ${config.baseUrl}: ${message}; is \`vwh sandbox\` running there?`
      })
    // The control API's typed client (its definition is the sandbox's own); node:http reaches any port.
    const control = yield* makeControlClient({ url: config.baseUrl, ...config.credentials.value }).pipe(
      Effect.provide(NodeHttpClient.layer)
    )
    // One call within what is left of the deadline; no answer at all is "unreachable", whatever the call.
    const call = <A, E>(request: Effect.Effect<A, E>) =>
      request.pipe(
        Effect.timeoutFail({ duration: remaining(), onTimeout: () => unreachable("no answer within the deadline") }),
        // Only a request that got no answer; an answer in other shapes is told apart by the caller.
        Effect.catchIf(
          (e): e is Extract<E, HttpClientError.RequestError> =>
            HttpClientError.isHttpClientError(e) && e._tag === "RequestError",
          (e) => Effect.fail(unreachable(transportReason(e)))
        )
      )

    const data = overrides.length > 0 ? (yield* build(flags.event, { overrides })).data : undefined
    const event = yield* call(
      control.raiseEvent({ payload: { projectId, type: flags.event, ...(data === undefined ? {} : { data }) } })
    ).pipe(
      Effect.catchAll((e): Effect.Effect<never, TriggerFailed | AuthError | NotFoundError | UsageError> => {
        if (e instanceof TriggerFailed) return Effect.fail(e)
        if (!("code" in e)) {
          // What a server without the control API (a 404 page) or another service answers: not the sandbox's shapes.
          return Effect.fail(
            new TriggerFailed({
              message: `${config.baseUrl} has no sandbox control API (POST /sandbox/events did not answer as the sandbox does): point VOUCHERIFY_API_URL at a running \`vwh sandbox\`, or send the delivery to your receiver with --to URL`
            })
          )
        }
        const said = e.details ?? e.message
        switch (e.code) {
          case 401:
            return Effect.fail(
              new AuthError({
                reason: "unauthorized",
                message: `the sandbox did not accept the management credentials (401): set VOUCHERIFY_MANAGEMENT_ID and VOUCHERIFY_MANAGEMENT_TOKEN to the ones \`vwh sandbox\` prints`
              })
            )
          case 404:
            return Effect.fail(
              new NotFoundError({
                resource: "project",
                message: `the sandbox has no project ${projectId} (404): start it with \`vwh sandbox --project ${projectId}\`, or add it: POST /sandbox/projects`
              })
            )
          case 400:
            return Effect.fail(new UsageError({ message: `the sandbox refused the event: ${said}` }))
          default:
            return Effect.fail(new TriggerFailed({ message: `the sandbox answered ${e.code}: ${said}` }))
        }
      })
    )
    if (event.deliveries.length === 0) {
      return yield* new NothingDelivered({
        message: `no active webhook of ${projectId} takes ${flags.event}, so nothing was delivered: create one with \`vwh webhooks create --project ${projectId} --url URL --event ${flags.event}\``
      })
    }

    // Wait for each delivery's first attempt: the sandbox sends them on its own, right after answering.
    const ids = event.deliveries.map((d) => d.id)
    const attempted = (records: ReadonlyArray<DeliveryRecord>) =>
      event.deliveries.every((d) => records.some((r) => r.id === d.id && r.attempts.length > 0))
    let records: ReadonlyArray<DeliveryRecord> = []
    while (!attempted(records)) {
      if (Date.now() >= deadline) {
        return yield* new TriggerFailed({
          message: `the sandbox raised ${event.event.id}, but not every delivery was attempted within the deadline of ${Duration.format(config.timeout)}; see GET /sandbox/deliveries`
        })
      }
      const listed = yield* call(control.deliveries({ urlParams: { projectId, id: ids } })).pipe(
        Effect.catchIf(
          (e) => !(e instanceof TriggerFailed),
          () => Effect.succeed({ data: [] as ReadonlyArray<DeliveryRecord> })
        )
      )
      records = listed.data.filter((r) => ids.includes(r.id))
      if (!attempted(records)) yield* Effect.sleep(Duration.millis(100))
    }

    const outcomes = event.deliveries.map((d) => {
      const record = records.find((r) => r.id === d.id)!
      return { record, first: record.attempts[0]! }
    })
    if (output.format === "json") {
      yield* output.json({ event: event.event, deliveries: outcomes.map((o) => o.record) })
    } else {
      const payload = outcomes[0]!.record.payload
      yield* output.line(
        `raised ${event.event.type} ${event.event.id} in ${projectId}: ${event.deliveries.length} ${event.deliveries.length === 1 ? "delivery" : "deliveries"}, signed with the project's secret`
      )
      const fields = keyFieldsText(payload)
      if (fields !== "") yield* output.line(`  ${fields}`)
      for (const { record, first } of outcomes) {
        const answer =
          first.status === undefined
            ? `failed: ${first.error ?? "no answer"}`
            : `${isOk(first.status) ? "" : "failed: "}${first.status} in ${first.duration_ms} ms`
        const retry =
          record.next_attempt_at === undefined
            ? ""
            : `; the sandbox retries it at ${record.next_attempt_at.slice(11, 19)}`
        yield* output.line(`  ${record.id} → ${record.target_url} (${record.webhook_id}): ${answer}${retry}`)
      }
    }
    const failed = outcomes.filter((o) => o.first.status === undefined || !isOk(o.first.status))
    if (failed.length > 0) {
      return yield* new TriggerFailed({
        message: `${failed.length} of ${outcomes.length} deliveries failed (${failed
          .map((f) => `${f.record.target_url}: ${f.first.error ?? `HTTP ${f.first.status}`}`)
          .join("; ")}); the sandbox retries on Voucherify's schedule`
      })
    }
  })

/** `vwh trigger`: checks the event and the overrides, then sends straight to --to or through the sandbox. */
export const trigger = (flags: TriggerFlags) =>
  Effect.gen(function* () {
    const direct = Option.isSome(flags.to)
    yield* checkEvent(flags.event, direct, flags.allowUnknownEvents)
    return yield* Option.isSome(flags.to) ? sendTo(flags.to.value, flags) : throughSandbox(flags)
  })
