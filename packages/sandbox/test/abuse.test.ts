import { request } from "node:http"
import { maxEventNameLength, maxEventsPerWebhook } from "@voucherify-webhooks/core/EventType"
import { maxJsonDepth } from "@voucherify-webhooks/core/ServerErrors"
import { postWhileWriting } from "@voucherify-webhooks/core/testing/slowWriter"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type TestSandbox as Started, startTestSandbox as start } from "../src/testing.js"

// Requests an attacker (or a broken script) sends, against the real sandbox over loopback: each gets a 400 in
// Voucherify's shape with a small answer, and nothing is stored.
const base = "/management/v1/projects/proj_sandbox/webhooks"
const body = { target_url: "https://example.com/hook", events: ["redemption.succeeded"] }

let s: Started
beforeAll(async () => {
  s = await start()
})
afterAll(() => s.close())
beforeEach(() => s.run(s.sandbox.reset))

const invalid = async (method: string, path: string, raw: string) => {
  const res = await s.call(method, path, { raw })
  expect(res.status, res.text.slice(0, 300)).toBe(400)
  const b = res.json() as Record<string, string>
  expect(b).toMatchObject({ code: 400, key: "invalid_payload", message: "Invalid payload" })
  expect(b.request_id).toMatch(/^v-[0-9a-f]{18}$/)
  return { details: b.details!, size: res.text.length }
}

const nested = (depth: number, leaf = "1") => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`

describe("bounded work and answers", () => {
  it("a 65 KB event name is refused by its length, not echoed", async () => {
    const name = `a.${"b".repeat(65_000)}`
    for (const method of ["POST", "PUT"]) {
      const path = method === "POST" ? base : `${base}/wh_aaaaaaaaaaaaaaaaaaaaaaaa`
      if (method === "PUT")
        await s.run(s.sandbox.seedWebhook("proj_sandbox", { ...body, active: true, id: "wh_aaaaaaaaaaaaaaaaaaaaaaaa" }))
      const r = await invalid(method, path, JSON.stringify({ ...body, events: [name] }))
      expect(r.details).toBe(`events.0: is 65002 characters long: event names have at most ${maxEventNameLength}`)
      expect(r.size).toBeLessThan(500)
    }
  })

  it("a list longer than the limit is refused before any name is looked at", async () => {
    const events = Array.from({ length: 2_500 }, (_, i) => `ab.c${i}`)
    const r = await invalid("POST", base, JSON.stringify({ ...body, events }))
    expect(r.details).toBe(
      `events: must list at most ${maxEventsPerWebhook} events (got 2500): a webhook subscribing to every documented event lists 61`
    )
    expect(r.size).toBeLessThan(500)
  })

  it("many unknown names: hints for the first three only, the answer lists ten and counts the rest", async () => {
    const events = Array.from({ length: maxEventsPerWebhook }, (_, i) => `redemption.succeede${i}`)
    const r = await invalid("POST", base, JSON.stringify({ ...body, events }))
    expect(r.details.match(/did you mean/g)).toHaveLength(3)
    expect(r.details.match(/events\.\d+: unknown event/g)).toHaveLength(10)
    expect(r.details).toMatch(/; and 90 more problems$/)
    expect(r.size).toBeLessThan(3_000)
  })

  it("a wide value where a string belongs is named, not printed back", async () => {
    const wide = JSON.stringify(Array.from({ length: 5_000 }, (_, i) => i))
    const r = await invalid("POST", base, `{"target_url":${wide},"events":["redemption.succeeded"]}`)
    expect(r.details).toBe("target_url: must be a string (an absolute http(s) URL)")
    const e = await invalid("POST", base, `{"target_url":"https://example.com/","events":[${wide}]}`)
    expect(e.details).toBe("events.0: must be a string (an event name)")
  })
})

describe("deeply nested JSON is a 400 invalid_payload, whatever the depth and wherever it is", () => {
  for (const depth of [maxJsonDepth + 1, 3_000, 100_000]) {
    it(`depth ${depth}`, async () => {
      const deep = nested(depth)
      for (const raw of [
        `{"target_url":${deep},"events":["redemption.succeeded"]}`,
        `{"target_url":"https://example.com/","events":${deep}}`,
        `{"target_url":"https://example.com/","events":["redemption.succeeded"],"x":${deep}}`,
        deep
      ]) {
        const r = await invalid("POST", base, raw)
        expect(r.details).toContain(`nested deeper than ${maxJsonDepth} levels`)
      }
    })
  }

  it("without the depth limit's help the schema still names a deep value without printing it", async () => {
    // Just under the limit: decoded, and refused by the schema's own messages.
    const r = await invalid(
      "POST",
      base,
      `{"target_url":${nested(maxJsonDepth - 1)},"events":["redemption.succeeded"]}`
    )
    expect(r.details).toBe("target_url: must be a string (an absolute http(s) URL)")
    const whole = await invalid("POST", base, nested(maxJsonDepth - 1))
    expect(whole.details).toBe("body: the create body must be a JSON object with target_url, events and active")
  })

  it("brackets inside strings do not count", async () => {
    const res = await s.call("POST", base, {
      body: {
        target_url: `https://example.com/${"%5B".repeat(10)}?q=${"[".repeat(100)}`,
        events: ["redemption.succeeded"]
      }
    })
    expect(res.status).toBe(200)
  })
})

describe("target_url a WHATWG and an RFC 3986 parser would read differently", () => {
  for (const [url, what] of [
    ["https://x.example.com\\@169.254.169.254/latest", "a backslash"],
    ["https://good.com\\@127.0.0.1/", "a backslash"],
    ["https://exa\tmple.com/", "U+0009"],
    ["https://example.com/\r\nx", "U+000D"],
    ["https://example.com/a b", "U+0020"],
    ["https://example.com/\u0000", "U+0000"],
    ["https://example.com/\u001b[31m", "U+001B"],
    ["https://exam\u00adple.com/", "U+00AD"],
    ["https://example.com/\u202e", "U+202E"],
    [" https://example.com/", "U+0020"]
  ] as const) {
    it(`${JSON.stringify(url)} is refused, naming ${what}`, async () => {
      const r = await invalid("POST", base, JSON.stringify({ ...body, target_url: url }))
      expect(r.details).toContain(`target_url: must not contain ${what}`)
      expect(r.details).not.toMatch(/\p{Cc}/u)
      expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
    })
  }
})

describe("ids and paths: the router and core's id rules agree", () => {
  const id = (n: number) => "a".repeat(n)
  it("an id of 101-200 characters is looked up (404), longer ones are refused by core's rule (400)", async () => {
    for (const n of [101, 150, 200]) {
      const res = await s.call("GET", `${base}/${id(n)}`)
      expect(res.status).toBe(404)
    }
    for (const n of [201, 250, 1_000]) {
      for (const method of ["GET", "DELETE", "PUT"]) {
        const res = await s.call(
          method,
          `${base}/${id(n)}`,
          method === "PUT" ? { body: { ...body, active: true } } : {}
        )
        expect(res.status, `${method} ${n}`).toBe(400)
        expect((res.json() as Record<string, string>).details).toBe(
          `webhookId: webhook id is too long (${n} characters, at most 200)`
        )
      }
    }
  })

  it("malformed percent-encoding in an id or project is a 400 naming the segment, not a 405", async () => {
    for (const bad of ["%zz", "%", "%E0%A4%A", "wh_%"]) {
      for (const path of [`${base}/${bad}`, `/management/v1/projects/${bad}/webhooks`]) {
        const res = await s.call("GET", path)
        expect(res.status, path).toBe(400)
        const b = res.json() as Record<string, string>
        expect(b).toMatchObject({ code: 400, key: "invalid_payload" })
        expect(b.details).toMatch(/^path: ".*" is not valid percent-encoding; encode "%" as %25$/)
      }
    }
  })

  it("a control character in an id is refused without echoing it", async () => {
    const res = await s.call("GET", `${base}/wh_%1b%5B31m`)
    expect(res.status).toBe(400)
    expect((res.json() as Record<string, string>).details).toBe(
      "webhookId: webhook id must not contain control characters"
    )
  })
})

describe("bodies the API does not take are answered, never reset", () => {
  it("a client still writing a declared body over 10 MB reads the 413, not a reset (the rest is read and dropped)", async () => {
    const answer = await postWhileWriting({
      url: `${s.sandbox.url}${base}`,
      headers: { ...s.auth, "content-type": "application/json" },
      total: 11 * 1024 * 1024,
      piece: 256 * 1024,
      pauseMs: 5
    })
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toContain('"statusCode":413')
  })

  it("a chunked body over 10 MB gets 413 in the documented shape", async () => {
    const { hostname, port } = new URL(s.sandbox.url)
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          method: "POST",
          path: base,
          headers: { ...s.auth, "content-type": "application/json" }
        },
        (res) => {
          let body = ""
          res.on("data", (c) => {
            body += c
          })
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
        }
      )
      req.on("error", reject)
      // No content-length: chunked, so the limit trips while reading.
      const chunk = Buffer.alloc(1024 * 1024, "a")
      req.write('{"target_url":"https://example.com/')
      let sent = 0
      const pump = () => {
        while (sent < 12) {
          sent++
          if (!req.write(chunk)) return req.once("drain", pump)
        }
        req.end('"}')
      }
      pump()
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 413,
      error: "Request Entity Too Large",
      message: "Payload content length greater than maximum allowed: 10485760"
    })
  })

  it("a body that is not JSON gets 415, naming the type to use", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await fetch(`${s.sandbox.url}${base}`, {
        method: "POST",
        headers: { ...s.auth, "content-type": type },
        body: "target_url=https://example.com/&events=redemption.succeeded"
      })
      expect(res.status, type).toBe(415)
      expect(await res.json()).toEqual({
        statusCode: 415,
        error: "Unsupported Media Type",
        message: "Send the request body as application/json"
      })
    }
    expect((await s.call("GET", base)).json()).toMatchObject({ total: 0 })
  })
})
