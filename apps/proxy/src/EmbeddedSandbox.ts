import * as Sandbox from "@voucherify-webhooks/sandbox/Sandbox"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mintKey } from "./Keys.js"
import { UpstreamTarget } from "./Upstream.js"

/**
 * The offline upstream: a sandbox on an ephemeral loopback port, with credentials minted for this process only
 * (nobody else can talk to it with a known token). Closing the scope stops it, after the proxy has drained.
 */
export const layer = (projects: ReadonlyArray<string> = []) =>
  Layer.effect(
    UpstreamTarget,
    Effect.map(Sandbox.Sandbox, (sandbox) => ({
      baseUrl: sandbox.url,
      credentials: sandbox.credentials,
      sandbox: true
    }))
  ).pipe(
    Layer.provide(
      Sandbox.layer({
        port: 0,
        host: "127.0.0.1",
        projects,
        credentials: { managementId: "vwh-proxy-upstream", managementToken: mintKey() }
      })
    )
  )

export const defaultProject = Sandbox.defaultProject
