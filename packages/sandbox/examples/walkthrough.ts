// The README's offline walkthrough, runnable: `node build.mjs && node dist/walkthrough.js`.
// Starts the built sandbox, a tiny receiver, creates a webhook with curl, raises redemption.succeeded through
// the control API, and checks the delivery's signature with core's verifySignature. No network beyond loopback.
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { signatureHeader, verifySignature } from "@voucherify-webhooks/core/Signature"

const step = (text: string) => console.log(`\n▶ ${text}`)

const startSandbox = (): Promise<{ child: ChildProcess; url: string; banner: string }> =>
  new Promise((resolve, reject) => {
    // The bin defaults to the demo credentials unless VOUCHERIFY_MANAGEMENT_ID/TOKEN are set.
    const child = spawn(process.execPath, [join(import.meta.dirname, "main.js"), "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let banner = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      banner += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(banner)
      if (match?.[1] && banner.includes("Control API")) resolve({ child, url: match[1], banner })
    })
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)))
  })

const curl = (args: ReadonlyArray<string>): string => {
  const shown = args.map((a) => (/[\s'"{}]/.test(a) ? `'${a}'` : a)).join(" ")
  console.log(`$ curl ${shown.replace(/x-management-token: \S+'/, "x-management-token: …'")}`)
  const out = execFileSync("curl", ["-sS", ...args], { encoding: "utf8" })
  console.log(out)
  return out
}

const main = async () => {
  step("Start the sandbox (node dist/main.js)")
  const { child, url, banner } = await startSandbox()
  console.log(banner)
  const id = /VOUCHERIFY_MANAGEMENT_ID=(\S+)/.exec(banner)?.[1] ?? ""
  const token = /VOUCHERIFY_MANAGEMENT_TOKEN=(\S+)/.exec(banner)?.[1] ?? ""
  const auth = ["-H", `x-management-id: ${id}`, "-H", `x-management-token: ${token}`]
  const json = ["-H", "content-type: application/json"]

  step("Start a tiny local receiver")
  const delivered = new Promise<{ body: string; signature: string | undefined }>((resolve) => {
    const receiver = createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        res.writeHead(200).end()
        receiver.close()
        receiver.closeAllConnections()
        const signature = req.headers[signatureHeader]
        resolve({
          body: Buffer.concat(chunks).toString("utf8"),
          signature: Array.isArray(signature) ? signature[0] : signature
        })
      })
    })
    receiver.listen(0, "127.0.0.1", () => {
      const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/voucherify`
      console.log(`receiver listening on ${target}`)

      step("Create a webhook pointing at it")
      curl([
        "-X",
        "POST",
        `${url}/management/v1/projects/proj_sandbox/webhooks`,
        ...auth,
        ...json,
        "-d",
        JSON.stringify({ target_url: target, events: ["redemption.succeeded"], active: true })
      ])

      step("Raise redemption.succeeded through the control API")
      curl([
        "-X",
        "POST",
        `${url}/sandbox/events`,
        ...auth,
        ...json,
        "-d",
        JSON.stringify({
          projectId: "proj_sandbox",
          type: "redemption.succeeded",
          data: { id: "r_walkthrough", amount: 1500 }
        })
      ])
    })
  })

  const { body, signature } = await delivered
  step("The delivery arrived")
  console.log(`${signatureHeader}: ${signature}`)
  console.log(JSON.stringify(JSON.parse(body), null, 2))

  step("Verify its signature with core's verifySignature and the project's secret")
  const { secret } = JSON.parse(curl([`${url}/sandbox/projects/proj_sandbox/secret`, ...auth])) as { secret: string }
  const valid = verifySignature(body, signature, secret)
  const forged = verifySignature(body.replace("1500", "9999"), signature, secret)
  console.log(`verifySignature(body, header, secret) = ${valid}; with a tampered body = ${forged}`)

  step("See the delivery and its attempts")
  curl([`${url}/sandbox/deliveries?projectId=proj_sandbox`, ...auth])

  child.kill("SIGINT")
  if (!valid || forged) {
    console.error("walkthrough FAILED: the signature did not behave")
    process.exit(1)
  }
  console.log("\nwalkthrough OK")
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
