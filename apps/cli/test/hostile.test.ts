import { readFileSync } from "node:fs"
import { deliveryEnvelope } from "@voucherify-webhooks/core/MakeDelivery"
import { signPayload } from "@voucherify-webhooks/core/Signature"
import { waitFor } from "@voucherify-webhooks/sandbox/testing"
import { describe, expect, it } from "vitest"
import { listJson, sendJson, tempFile, useFakeApis, vwh, vwhBackground, webhookJson } from "./harness.js"

// A Management API on loopback that misbehaves on purpose: it echoes the caller's token, answers with terminal
// control sequences, loses the answer to a change. What vwh prints must stay safe and true.

const api = useFakeApis()
const token = "token-secret-123"
// An OSC title change with BEL, a screen clear, a carriage return that would hide what precedes it.
const nasty = "\u001b]0;pwned\u0007\u001b[2J\rhidden"
// biome-ignore lint/suspicious/noControlCharactersInRegex: raw control characters are what must not get out
const raw = /[\u0000-\u0008\u000b-\u001f\u007f]/

describe("a configured secret is never printed", () => {
  it("even when the upstream echoes the token in an error body (table and json output)", async () => {
    const server = await api((req, _body, res) => {
      const echoed = `bad header x-management-token: ${req.headers["x-management-token"]}`
      sendJson(res, req.method === "GET" ? 500 : 400, { code: 400, key: "bad", message: echoed, details: echoed })
      return true
    })
    const list = await vwh(["webhooks", "list", "--project", "proj_x"], { ...server.env, VOUCHERIFY_MAX_RETRIES: "0" })
    expect(list.code).toBe(6)
    expect(list.stderr).toContain("[redacted]")
    expect(list.stderr).not.toContain(token)

    const create = await vwh(
      ["webhooks", "create", "-p", "proj_x", "--url", "https://example.com/a", "-e", "voucher.created", "-o", "json"],
      server.env
    )
    expect(create.code).toBe(2)
    expect(`${create.stdout}${create.stderr}`).not.toContain(token)

    const flag = await vwh(["webhooks", "list", "-p", "proj_x", "--token", "flag-token-456789"], {
      VOUCHERIFY_API_URL: server.url,
      VOUCHERIFY_MANAGEMENT_ID: "id",
      VOUCHERIFY_MAX_RETRIES: "0"
    })
    expect(flag.stderr).not.toContain("flag-token-456789")
    expect(flag.stderr).toContain("[redacted]")
  })

  it("nor the credentials in a base URL", async () => {
    const server = await api((_req, _body, res) => {
      sendJson(res, 200, listJson([]))
      return true
    })
    const path = tempFile(
      "hostile.yaml",
      "projects:\n  proj_x:\n    - target_url: https://example.com/a\n      events: [voucher.created]\n"
    )
    const planFile = tempFile("hostile.plan.json")
    const withUser = server.url.replace("http://", "http://user:url-secret-999@")
    const r = await vwh(["apply", "-f", path, "--plan-out", planFile, "--base-url", withUser], server.env)
    expect(r.code).toBe(10)
    expect(readFileSync(planFile, "utf8")).not.toContain("url-secret-999")
  })
})

describe("control characters from outside are escaped in human output", () => {
  it("in tables, plans and errors", async () => {
    const server = await api((req, _body, res) => {
      if (req.url?.includes("proj_bad")) {
        sendJson(res, 404, { code: 404, key: "not_found", message: `Not found ${nasty}`, details: nasty })
        return true
      }
      sendJson(res, 200, listJson([webhookJson("wh_1", `https://example.com/${nasty}`, ["voucher.created"])]))
      return true
    })
    const table = await vwh(["webhooks", "list", "--project", "proj_x"], server.env)
    expect(table.code).toBe(0)
    expect(table.stdout).not.toMatch(raw)
    expect(table.stdout).toContain("\\u001b]0;pwned\\u0007")

    const path = tempFile("hostile-plan.yaml", "projects:\n  proj_x: []\n")
    const plan = await vwh(["apply", "-f", path, "--prune", "--dry-run"], { ...server.env, FORCE_COLOR: "0" })
    expect(plan.code).toBe(10)
    expect(plan.stdout).toContain("- delete")
    expect(plan.stdout).not.toMatch(raw)

    const error = await vwh(["webhooks", "list", "--project", "proj_bad"], server.env)
    expect(error.code).toBe(4)
    expect(error.stderr).not.toMatch(raw)
    expect(error.stderr).toContain("\\u001b[2J")
  })

  it("in listen's lines", async () => {
    const secret = "whsec_hostile_test"
    const listener = await vwhBackground(
      ["listen", "--port", "0", "--secret", secret],
      {},
      /listening on (http:\/\/[^/]+)\//
    )
    try {
      const body = JSON.stringify(deliveryEnvelope(`voucher.created${nasty}`))
      const res = await fetch(listener.match[1]!, {
        method: "POST",
        body,
        headers: { "x-voucherify-signature": signPayload(body, secret) }
      })
      expect(res.status).toBe(202)
      await waitFor("a line on listener's stdout", listener.stdout, { until: (text) => text.includes("\n") })
      expect(listener.stdout()).toContain("voucher.created\\u001b]0;pwned")
      expect(listener.stdout()).not.toMatch(raw)
    } finally {
      await listener.stop()
    }
  })
})

describe("a change whose answer was lost may have been applied", () => {
  for (const [command, args] of [
    ["create", ["webhooks", "create", "-p", "proj_x", "--url", "https://example.com/a", "-e", "voucher.created"]],
    ["delete", ["webhooks", "delete", "-p", "proj_x", "--yes", "wh_1"]]
  ] as const) {
    it(`${command}: says so and how to check, never "try again"`, async () => {
      const server = await api((req) => {
        // The change arrives, then the connection drops before any answer.
        req.socket.destroy()
        return true
      })
      const r = await vwh(args, { ...server.env, VOUCHERIFY_MAX_RETRIES: "0" })
      expect(r.code).toBe(6)
      expect(r.stderr).toMatch(/may have been (created|deleted)/)
      expect(r.stderr).toMatch(/check with `vwh webhooks (list|get)/)
      expect(r.stderr).not.toMatch(/try again/i)
    })
  }
})
