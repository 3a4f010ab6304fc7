// One version: each package.json's, read at build time. The installed bins and the User-Agent that goes to
// Voucherify must all say the version the packages were published with.
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, inject, it } from "vitest"
import { bin, npmEnv, publicPackages, run } from "./helpers.js"

const installed = inject("installed")
const version = installed.manifests["@voucherify-webhooks/cli"]!.version as string

describe("the version", () => {
  it("is one for every public package", () => {
    expect(publicPackages.map((p) => installed.manifests[p]?.version)).toEqual(publicPackages.map(() => version))
  })

  it("is what vwh and vwh-proxy print (--version, and the proxy's help header)", async () => {
    expect(await run(bin(installed, "vwh"), ["--version"], { env: npmEnv() })).toMatchObject({
      code: 0,
      stdout: `${version}\n`
    })
    expect(await run(bin(installed, "vwh-proxy"), ["--version"], { env: npmEnv() })).toMatchObject({
      code: 0,
      stdout: `${version}\n`
    })
    const help = await run(bin(installed, "vwh-proxy"), ["--help"], { env: npmEnv() })
    expect(help.code).toBe(0)
    expect(help.stdout.split("\n")[0]).toMatch(new RegExp(`^vwh-proxy ${version.replaceAll(".", "\\.")} — `))
  })

  it("is in the User-Agent the installed vwh sends (core's, bundled)", async () => {
    const seen: Array<IncomingHttpHeaders> = []
    const server = createServer((req, res) => {
      seen.push(req.headers)
      res.setHeader("content-type", "application/json")
      res.end(JSON.stringify({ object: "list", data_ref: "data", data: [], total: 0 }))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const listed = await run(bin(installed, "vwh"), ["webhooks", "list", "--project", "proj_ua"], {
        env: npmEnv({
          VOUCHERIFY_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          VOUCHERIFY_MANAGEMENT_ID: "id",
          VOUCHERIFY_MANAGEMENT_TOKEN: "token-for-the-user-agent-test"
        })
      })
      expect(listed.code).toBe(0)
    } finally {
      server.close()
    }
    expect(seen.map((h) => h["user-agent"])).toEqual([
      `voucherify-webhooks-core/${version} (node ${process.versions.node})`
    ])
  })
})
