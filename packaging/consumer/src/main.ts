// A user's program, against the installed packages only: start the sandbox in-process, create and list a webhook
// with core's client, receive the delivery and read it typed. Prints one JSON line for the test to check.
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type * as Errors from "@voucherify-webhooks/core/Errors"
import { verifySignature } from "@voucherify-webhooks/core/Signature"
import { userAgent, version } from "@voucherify-webhooks/core/Version"
import * as Webhooks from "@voucherify-webhooks/core/Webhooks"
import { type SandboxDelivery, startSandbox } from "@voucherify-webhooks/sandbox"
import { startReceiver, startSandboxProcess, waitFor } from "@voucherify-webhooks/sandbox/testing"
import * as Effect from "effect/Effect"

const received: Array<{ body: string; signature: string }> = []
const receiver = createServer((req, res) => {
  let body = ""
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8")
  })
  req.on("end", () => {
    received.push({ body, signature: String(req.headers["x-voucherify-signature"]) })
    res.end("ok")
  })
})
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`

await using sandbox = await startSandbox()
Object.assign(process.env, sandbox.env)

const program = Effect.gen(function* () {
  const webhooks = yield* Webhooks.Webhooks
  const created = yield* webhooks.create("proj_sandbox", { target_url: hookUrl, events: ["redemption.succeeded"] })
  const listed = yield* webhooks.list("proj_sandbox")
  // A typed error, told apart by _tag: a webhook that does not exist.
  const missing = yield* webhooks.get("proj_sandbox", "wh_doesnotexist0000000000000").pipe(
    Effect.map(() => "found"),
    Effect.catchTag("NotFoundError", (e: Errors.NotFoundError) => Effect.succeed(e.resource))
  )
  return { created, listed, missing }
}).pipe(Effect.provide(Webhooks.layerFromEnv))

const { created, listed, missing } = await Effect.runPromise(program)

// Proof that the packages' types are read, not `any`: each expected error below must be there.
export const typeProbes = (webhooks: Webhooks.Webhooks) => [
  // @ts-expect-error target_url is a string
  webhooks.create("proj_sandbox", { target_url: 1, events: ["redemption.succeeded"] }),
  // @ts-expect-error no such event
  sandbox.deliveries({ type: "redemption.succeded" })
]

await sandbox.raiseEvent("redemption.succeeded")
const [delivery]: ReadonlyArray<SandboxDelivery> = await sandbox.waitForDeliveries({ type: "redemption.succeeded" })
const typed = await sandbox.deliveries({ type: "redemption.succeeded" })
// Typed by the event: `redemption` is redemption.succeeded's documented field.
const amount: number | null | undefined = typed[0]?.payload.data.redemption?.amount
const secret = await sandbox.projectSecret()
const got = received[0]
receiver.close()

// The test kit as installed (no test runner in it): the installed bin as a process, a verifying receiver, waitFor.
const kit = await (async () => {
  await using bin = await startSandboxProcess()
  await using hook = await startReceiver({ secret: bin.secrets.proj_sandbox ?? "" })
  const headers = { ...bin.auth, "content-type": "application/json" }
  const post = (path: string, body: unknown) =>
    fetch(`${bin.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) })
  await post("/management/v1/projects/proj_sandbox/webhooks", { target_url: hook.url, events: ["voucher.created"] })
  await post("/sandbox/events", { projectId: "proj_sandbox", type: "voucher.created" })
  const [verified] = await waitFor("a verified delivery", hook.deliveries, { until: (d) => d.length === 1 })
  return { type: verified?.type, rejected: hook.rejected().length }
})()

console.log(
  JSON.stringify({
    version,
    userAgent,
    created: { id: created.id, target_url: created.target_url, events: created.events, active: created.active },
    listed: listed.data.map((w) => w.id),
    total: listed.total,
    missing,
    delivery: { status: delivery?.status, type: delivery?.type, mismatches: delivery?.mismatches.length },
    amountIsNumber: typeof amount === "number",
    signatureValid: got !== undefined && verifySignature(got.body, got.signature, secret),
    kit
  })
)
