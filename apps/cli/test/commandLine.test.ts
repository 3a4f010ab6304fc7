import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeApi, listJson, sendJson, vwh } from "./harness.js"

// What a person types, checked on the built bin: every mistake is one line naming it, with a suggestion.

let api: Awaited<ReturnType<typeof fakeApi>>
beforeAll(async () => {
  api = await fakeApi((_req, _body, res) => {
    sendJson(res, 200, listJson([]))
    return true
  })
})
afterAll(() => api.close())

const usage = async (args: ReadonlyArray<string>) => {
  const r = await vwh(args, api.env)
  expect(r.code, args.join(" ")).toBe(2)
  expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1)
  return r.stderr
}

describe("did you mean", () => {
  it("for commands, at the level they were typed", async () => {
    expect(await usage(["webhooks", "lst"])).toBe(
      'vwh: unknown command "lst" for `vwh webhooks` (did you mean "list"?); use one of create, list, get, update, delete\n'
    )
    expect(await usage(["wbhooks", "list"])).toContain('unknown command "wbhooks" for `vwh` (did you mean "webhooks"?)')
  })

  it("for options, naming the command", async () => {
    expect(await usage(["webhooks", "list", "-p", "proj_x", "--outptu", "json"])).toContain(
      'unknown option --outptu for `vwh webhooks list` (did you mean "--output"?)'
    )
    expect(await usage(["apply", "-f", "x.yaml", "--prun"])).toContain('(did you mean "--prune"?)')
  })

  it("for choice values, naming the option", async () => {
    expect(await usage(["webhooks", "list", "-p", "proj_x", "-o", "yaml"])).toBe(
      'vwh: --output "yaml": use table or json\n'
    )
    expect(await usage(["webhooks", "list", "-p", "proj_x", "--output", "jsn"])).toContain('(did you mean "json"?)')
    expect(await usage(["webhooks", "list", "-p", "proj_x", "--cluster", "eux"])).toContain(
      '--cluster "eux": use eu, us1 or as1 (did you mean "eu"?)'
    )
  })

  it("for event names given to listen, as for create", async () => {
    expect(await usage(["listen", "--secret", "s", "--event", "redemption.sucseeded"])).toContain(
      'did you mean "redemption.succeeded"'
    )
    expect(
      await usage(["webhooks", "create", "-p", "proj_x", "--url", "https://x.example", "-e", "voucher.creatd"])
    ).toContain('--event voucher.creatd: unknown event "voucher.creatd" (did you mean "voucher.created"?)')
  })

  it("a missing option or command is named, with where to read more", async () => {
    expect(await usage(["webhooks", "list"])).toBe(
      "vwh: `vwh webhooks list` needs --project ID; see `vwh webhooks list --help`\n"
    )
    expect(await usage(["webhooks"])).toContain("`vwh webhooks` needs a command: create, list, get, update, delete")
    expect(await usage(["webhooks", "get", "-p", "proj_x"])).toBe(
      "vwh: `vwh webhooks get` needs <ID>; see `vwh webhooks get --help`\n"
    )
    expect(await usage(["webhooks", "get", "-p", "proj_x", "wh_1", "wh_2"])).toContain(
      'unexpected argument "wh_2" for `vwh webhooks get`'
    )
  })
})

describe("global options", () => {
  it("work before or after the command", async () => {
    for (const args of [
      ["--output", "json", "webhooks", "list", "--project", "proj_x"],
      ["-o", "json", "webhooks", "list", "--project", "proj_x"],
      ["webhooks", "-o", "json", "list", "--project", "proj_x"],
      ["webhooks", "list", "--project", "proj_x", "--output=json"]
    ]) {
      const r = await vwh(args, api.env)
      expect(r.code, args.join(" ")).toBe(0)
      expect(r.stdout, args.join(" ")).toBe("[]\n")
    }
    const base = await vwh(["--base-url", api.url, "webhooks", "list", "-p", "proj_x", "-o", "json"], {
      VOUCHERIFY_MANAGEMENT_ID: "id",
      VOUCHERIFY_MANAGEMENT_TOKEN: "t"
    })
    expect(base.code).toBe(0)
  })

  it("--log-level works after the command too", async () => {
    // A 503 then a 200: the retry is logged at debug level.
    let calls = 0
    const flaky = createServer((_req, res) => {
      calls++
      if (calls === 1) sendJson(res, 503, { code: 503, message: "busy" })
      else sendJson(res, 200, listJson([]))
    })
    await new Promise<void>((r) => flaky.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`
      const r = await vwh(["webhooks", "list", "-p", "proj_x", "--log-level", "debug"], {
        ...api.env,
        VOUCHERIFY_API_URL: url
      })
      expect(r.code).toBe(0)
      expect(r.stderr).toContain("retrying list")
    } finally {
      flaky.close()
    }
  })

  it("an option that does not apply to the command is refused, naming both", async () => {
    expect(await usage(["-o", "json", "sandbox"])).toContain("-o does not apply to `vwh sandbox`")
  })

  it("--wizard is gone", async () => {
    expect(await usage(["webhooks", "list", "-p", "proj_x", "--wizard"])).toContain("unknown option --wizard")
    expect((await vwh(["--help"])).stdout).not.toContain("wizard")
  })
})

describe("vwh sandbox and listen on a busy port", () => {
  it("say the port is in use (exit 2)", async () => {
    const busy = new URL(api.url).port
    for (const command of [["sandbox"], ["listen", "--secret", "s"]]) {
      const r = await vwh([...command, "--port", busy])
      expect(r.code, command[0]).toBe(2)
      expect(r.stderr, command[0]).toContain(`port ${busy} on 127.0.0.1 is in use; pick another with --port`)
    }
  })
})
