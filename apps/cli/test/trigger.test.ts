import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { nodeWebhookHandler } from "@voucherify-webhooks/core/ReceiveNode"
import { signPayload } from "@voucherify-webhooks/core/Signature"
import { type ParsedDelivery, parseDelivery } from "@voucherify-webhooks/core/TypedDelivery"
import {
  closedPort,
  type ReceivedRequest,
  startReceiver,
  startTestSandbox,
  type TestSandbox,
  waitFor
} from "@voucherify-webhooks/sandbox/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { vwh, vwhBackground, vwhChild } from "./harness.js"

// vwh trigger, built, against real receivers over loopback: core's Node adapter, `vwh listen`, the sandbox.

const secret = "whsec_trigger_regression"

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A receiver that keeps the exact bytes and headers of each request, and answers `status`. */
const rawReceiver = async (status = 200) => {
  const app = await startReceiver({
    answer: () => ({ status, body: JSON.stringify({ seen: true }), headers: { "content-type": "application/json" } })
  })
  closers.push(app.close)
  return app
}

const parse = (raw: ReceivedRequest, key = secret) => Effect.runPromise(parseDelivery(raw.bytes, raw.headers, key))

const trigger = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => vwh(["trigger", ...args], env)

describe("vwh trigger --to", () => {
  it("a real receiver (core's Node adapter) verifies the signature over the exact bytes sent", async () => {
    const handled: Array<ParsedDelivery> = []
    const server = createServer(nodeWebhookHandler({ secret, onDelivery: (p) => void handled.push(p) }))
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    closers.push(() => new Promise((r) => server.close(r)))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
    const r = await trigger(["redemption.succeeded", "--to", url, "--secret", secret])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(handled).toHaveLength(1)
    const { delivery, verifiedAs, mismatches } = handled[0]!
    expect(verifiedAs).toBe("raw")
    expect(mismatches).toEqual([])
    expect(delivery.type).toBe("redemption.succeeded")
    expect(delivery.source.target_url).toBe(url)
    expect(r.stdout).toContain(`sent redemption.succeeded ${delivery.id} to ${url}`)
    expect(r.stdout).toMatch(/answered 200 in \d+ ms: \{"received":true/)
    expect(r.stdout + r.stderr).not.toContain(secret)
  })

  it("signs exactly the bytes it sends, with the secret from VOUCHERIFY_WEBHOOK_SECRET", async () => {
    const app = await rawReceiver()
    const r = await trigger(["voucher.published", "--to", app.url, "-o", "json"], { VOUCHERIFY_WEBHOOK_SECRET: secret })
    expect(r.code).toBe(0)
    const raw = app.received[0]!
    expect(raw.headers["x-voucherify-signature"]).toBe(signPayload(raw.bytes, secret))
    expect(raw.headers["content-type"]).toBe("application/json")
    const printed = JSON.parse(r.stdout) as { delivery: unknown; signature: string; bytes: number; response: unknown }
    expect(printed.delivery).toEqual(JSON.parse(raw.bytes.toString("utf8")))
    expect(printed.bytes).toBe(raw.bytes.byteLength)
    expect(printed.signature).toBe(raw.headers["x-voucherify-signature"])
    expect(printed.response).toMatchObject({ status: 200, body: '{"seen":true}' })
    expect(r.stdout).not.toContain(secret)
  })

  it("vwh listen verifies and shows what vwh trigger sent", async () => {
    const listener = await vwhBackground(
      ["listen", "--port", "0", "--secret", secret, "--print-json"],
      {},
      /listening on (http:\/\/127\.0\.0\.1:\d+)\//
    )
    closers.push(listener.stop)
    const r = await trigger(["customer.created", "--to", `${listener.match[1]}/in`, "--secret", secret])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/answered 202 in \d+ ms/)
    const id = /sent customer\.created (whs_\w+)/.exec(r.stdout)![1]!
    await waitFor("a line on listener's stdout", listener.stdout, { until: (text) => text.includes("\n") })
    expect(JSON.parse(listener.stdout())).toMatchObject({ id, type: "customer.created" })
    expect(listener.stderr()).toMatch(new RegExp(`✓ customer\\.created ${id} entity=cust_\\w+ customer=cust_`))
  })

  it("every event `vwh events` lists makes a delivery core's parseDelivery accepts, data matching its schema", async () => {
    const names = Object.values(
      JSON.parse((await vwh(["events", "-o", "json"])).stdout) as Record<string, string[]>
    ).flat()
    expect(names).toHaveLength(61)
    const app = await rawReceiver()
    const failures: Array<string> = []
    // A few at a time: each is a process start.
    for (let i = 0; i < names.length; i += 6) {
      await Promise.all(
        names.slice(i, i + 6).map(async (name) => {
          const r = await trigger([name, "--to", app.url, "--secret", secret, "--project", "proj_every"])
          if (r.code !== 0) failures.push(`${name}: exit ${r.code} ${r.stderr}`)
        })
      )
    }
    expect(failures).toEqual([])
    expect(app.received).toHaveLength(names.length)
    const parsed = await Promise.all(app.received.map((raw) => parse(raw)))
    expect(parsed.map((p) => p.delivery.type).sort()).toEqual([...names].sort())
    for (const p of parsed) {
      expect(p.verifiedAs).toBe("raw")
      expect({ type: p.delivery.type, mismatches: p.mismatches }).toEqual({ type: p.delivery.type, mismatches: [] })
      expect(p.delivery.project_id).toBe("proj_every")
      expect(p.delivery.event.type).toBe(p.delivery.type)
      expect(Object.keys(p.delivery.data).length).toBeGreaterThan(0)
    }
  }, 120_000)

  it("--set overrides land in data (JSON values as JSON, text as text)", async () => {
    const app = await rawReceiver()
    const r = await trigger([
      "redemption.succeeded",
      "--to",
      app.url,
      "--secret",
      secret,
      "--set",
      "data.voucher.code=SPRING-1",
      "--set",
      "data.order.amount=4200",
      "--set",
      'data.order.metadata={"channel":"pos","till":3}',
      "--set",
      "data.customer.new_field=true"
    ])
    expect(r.code).toBe(0)
    const { delivery } = await parse(app.received[0]!)
    const data = delivery.data as Record<string, Record<string, unknown>>
    expect(data.voucher!.code).toBe("SPRING-1")
    expect(data.order!.amount).toBe(4200)
    expect(data.order!.metadata).toEqual({ channel: "pos", till: 3 })
    expect(data.customer!.new_field).toBe(true)
    expect(r.stdout).toContain("voucher=SPRING-1")
  })

  it("refuses a bad --set before sending anything (exit 2)", async () => {
    const app = await rawReceiver()
    for (const set of ["data.voucher.code", "data.voucher.code.x=1", "data.__proto__.x=1"]) {
      const r = await trigger(["redemption.succeeded", "--to", app.url, "--secret", secret, "--set", set])
      expect(r.code, set).toBe(2)
      expect(r.stderr).toMatch(/^vwh: --set /)
    }
    expect(app.received).toHaveLength(0)
  })

  it("exits 6 with a clear message on a non-2xx answer, and on a dead receiver", async () => {
    const app = await rawReceiver(500)
    const failed = await trigger(["voucher.created", "--to", app.url, "--secret", secret])
    expect(failed.code).toBe(6)
    expect(failed.stdout).toContain("answered 500")
    expect(failed.stderr).toContain(
      `vwh: ${app.url} answered 500, not 2xx: Voucherify would count the delivery as failed`
    )

    const dead = `http://127.0.0.1:${await closedPort()}/hooks`
    const r = await trigger(["voucher.created", "--to", dead, "--secret", secret])
    expect(r.code).toBe(6)
    expect(r.stderr).toBe(
      `vwh: could not deliver to ${dead}: connection refused: nothing listens there (ECONNREFUSED); is your receiver running there?\n`
    )
    expect(r.stdout).toContain("could not send voucher.created")
  })

  it("a receiver that does not answer: exit 6 at --timeout, saying so", async () => {
    const hung = createServer(() => {})
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r))
    closers.push(() => {
      hung.closeAllConnections()
      return new Promise((r) => hung.close(r))
    })
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`
    const started = Date.now()
    const r = await trigger(["voucher.created", "--to", url, "--secret", secret, "--timeout", "500ms"])
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(r.code).toBe(6)
    expect(r.stdout).toContain(`sent voucher.created whs_`)
    expect(r.stderr).toBe(
      `vwh: ${url} did not answer within 500ms (--timeout): Voucherify waits 10 s, then counts the delivery as failed and retries it\n`
    )
  })

  it("Ctrl-C while waiting for the receiver: the request is cancelled, exit 130", async () => {
    let arrived = false
    let closed = false
    const hung = createServer((req) => {
      arrived = true
      req.socket.on("close", () => {
        closed = true
      })
    })
    await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r))
    closers.push(() => new Promise((r) => hung.close(r)))
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`
    const run = vwhChild(["trigger", "voucher.created", "--to", url, "--secret", secret])
    await waitFor("the request to arrive", () => arrived)
    run.child.kill("SIGINT")
    expect((await run.exited).code).toBe(130)
    expect(run.stderr()).toContain("vwh: interrupted by SIGINT")
    await waitFor("its connection to close", () => closed)
  })

  it("needs a secret with --to", async () => {
    const r = await trigger(["voucher.created", "--to", "http://127.0.0.1:9/"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("pass --secret or set VOUCHERIFY_WEBHOOK_SECRET")
  })
})

describe("vwh trigger: event names", () => {
  it("an unknown event gets did-you-mean and exit 2, before anything is sent", async () => {
    const app = await rawReceiver()
    const r = await trigger(["redemption.sucseeded", "--to", app.url, "--secret", secret])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'vwh: unknown event "redemption.sucseeded" (did you mean "redemption.succeeded"?); list the known ones with `vwh events`, or pass --allow-unknown-events to send it with an empty data\n'
    )
    // The customer-activity events have fixtures too, so --to suggests among them.
    const activity = await trigger(["customer.segment.enterd", "--to", app.url, "--secret", secret])
    expect(activity.stderr).toContain('(did you mean "customer.segment.entered"?)')
    expect(app.received).toHaveLength(0)
  })

  it("--allow-unknown-events sends a well-formed unknown name with an empty data, which parseDelivery keeps", async () => {
    const app = await rawReceiver()
    const r = await trigger([
      "voucher.teleported",
      "--allow-unknown-events",
      "--to",
      app.url,
      "--secret",
      secret,
      "--set",
      "data.voucher.code=X1"
    ])
    expect(r.code).toBe(0)
    const { delivery } = await parse(app.received[0]!)
    expect(delivery).toMatchObject({ type: "voucher.teleported", data: { voucher: { code: "X1" } } })
  })
})

describe("vwh trigger through the sandbox", () => {
  let s: TestSandbox
  beforeAll(async () => {
    s = await startTestSandbox({ projects: ["proj_t"] })
  })
  afterAll(() => s.close())
  beforeEach(() => s.reset())

  const createWebhook = async (url: string, ...events: Array<string>) => {
    const r = await vwh(
      ["webhooks", "create", "-p", "proj_t", "--url", url, ...events.flatMap((e) => ["-e", e])],
      s.env
    )
    expect(r.code).toBe(0)
  }

  it("raises the event; the sandbox signs it and delivers it to the project's registered webhook", async () => {
    const app = await rawReceiver()
    await createWebhook(app.url, "redemption.succeeded")
    const r = await trigger(
      ["redemption.succeeded", "--project", "proj_t", "--set", "data.voucher.code=SANDBOX-1"],
      s.env
    )
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(app.received).toHaveLength(1)
    const projectSecret = await s.run(s.sandbox.projectSecret("proj_t"))
    const { delivery, verifiedAs } = await parse(app.received[0]!, Redacted.value(projectSecret))
    expect(verifiedAs).toBe("raw")
    expect(delivery).toMatchObject({ type: "redemption.succeeded", project_id: "proj_t" })
    expect((delivery.data as { voucher: { code: string } }).voucher.code).toBe("SANDBOX-1")
    expect(r.stdout).toMatch(/^raised redemption\.succeeded ev\w+ in proj_t: 1 delivery/)
    expect(r.stdout).toContain("voucher=SANDBOX-1")
    expect(r.stdout).toContain(`${delivery.id} → ${app.url} (wh_`)
    expect(r.stdout).toMatch(/: 200 in \d+ ms\n$/)
  })

  it("through the sandbox to `vwh listen`", async () => {
    const projectSecret = Redacted.value(await s.run(s.sandbox.projectSecret("proj_t")))
    const listener = await vwhBackground(
      ["listen", "--port", "0", "--secret", projectSecret],
      {},
      /listening on (http:\/\/127\.0\.0\.1:\d+)\//
    )
    closers.push(listener.stop)
    await createWebhook(`${listener.match[1]}/voucherify`, "voucher.published")
    const r = await trigger(["voucher.published", "-p", "proj_t"], s.env)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/: 202 in \d+ ms\n$/)
    await waitFor("voucher.published on listener's stdout", listener.stdout, {
      until: (text) => text.includes("voucher.published")
    })
    expect(listener.stdout()).toMatch(/✓ voucher\.published whs_\w+ entity=pub_\w+ voucher=SPRING-7QX2/)
  })

  it("exit 4 when no webhook takes the event; exit 6 when the receiver fails, saying the sandbox retries", async () => {
    const none = await trigger(["voucher.deleted", "-p", "proj_t"], s.env)
    expect(none.code).toBe(4)
    expect(none.stderr).toContain("no active webhook of proj_t takes voucher.deleted")

    const app = await rawReceiver(503)
    await createWebhook(app.url, "voucher.deleted")
    const failed = await trigger(["voucher.deleted", "-p", "proj_t"], s.env)
    expect(failed.code).toBe(6)
    expect(failed.stdout).toMatch(/: failed: 503 in \d+ ms; the sandbox retries it at \d\d:\d\d:\d\d/)
    expect(failed.stderr).toContain("1 of 1 deliveries failed")
  })

  it("refuses what the sandbox cannot do, before any call", async () => {
    const before = (await s.run(s.sandbox.deliveries())).length
    const cases: Array<[Array<string>, Record<string, string>, string]> = [
      [["voucher.created"], s.env, "needs --to URL (send to your receiver) or --project ID"],
      [["voucher.created", "-p", "proj_t", "--set", "id=whs_x"], s.env, "--set id: through the sandbox only data.…"],
      [["customer.segment.entered", "-p", "proj_t"], s.env, "customer.segment.entered is a customer-activity or"],
      [
        ["voucher.created", "-p", "proj_t"],
        { VOUCHERIFY_MANAGEMENT_ID: "x", VOUCHERIFY_MANAGEMENT_TOKEN: "y" },
        "https://api.voucherify.io is Voucherify itself"
      ]
    ]
    for (const [args, env, message] of cases) {
      const r = await trigger(args, env)
      expect(r.code, args.join(" ")).toBe(2)
      expect(r.stderr).toContain(message)
    }
    expect((await s.run(s.sandbox.deliveries())).length).toBe(before)
  })

  it("says when the URL is no sandbox (another server's answer) or nothing listens there (exit 6)", async () => {
    const other = await rawReceiver(404)
    const r = await trigger(["voucher.created", "-p", "proj_t"], { ...s.env, VOUCHERIFY_API_URL: other.url })
    expect(r.code).toBe(6)
    expect(r.stderr).toContain(`${other.url} has no sandbox control API`)
    const dead = await trigger(["voucher.created", "-p", "proj_t"], {
      ...s.env,
      VOUCHERIFY_API_URL: "http://127.0.0.1:9"
    })
    expect(dead.code).toBe(6)
    expect(dead.stderr).toContain("could not reach the sandbox at http://127.0.0.1:9: ECONNREFUSED")
  })

  it("names a project the sandbox does not have (exit 4) and wrong credentials (exit 3)", async () => {
    const missing = await trigger(["voucher.created", "-p", "proj_nope"], s.env)
    expect(missing.code).toBe(4)
    expect(missing.stderr).toContain("the sandbox has no project proj_nope")
    const wrong = await trigger(["voucher.created", "-p", "proj_t"], {
      ...s.env,
      VOUCHERIFY_MANAGEMENT_TOKEN: "wrong-token-1234"
    })
    expect(wrong.code).toBe(3)
    expect(wrong.stderr).not.toContain("wrong-token-1234")
  })
})
