import { withoutUserinfo } from "@voucherify-webhooks/core/Config"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import { fingerprint } from "./Keys.js"
import type { Client } from "./ProxyConfig.js"
import { describeWorkers, plan } from "./Startup.js"
import type { StartupRefused } from "./StartupErrors.js"

const describeClient = (c: Client) =>
  `${c.id} (${c.projects === "*" ? "all projects" : c.projects.join(", ")}; ${c.access.join(", ")}; key${
    c.keyHashes.length === 1 ? "" : "s"
  } ${c.keyHashes.map(fingerprint).join(", ")})`

/**
 * `vwh-proxy check-config`: decides everything `serve` would (config file, environment, upstream) and reports
 * it without starting anything; the same problems as `serve`, the same exit status (2). For CI and before a
 * reload.
 */
export const checkConfig = (configFlag: Option.Option<string>): Effect.Effect<void, StartupRefused> =>
  Effect.map(plan(configFlag), (p) => {
    const s = p.settings
    const lines =
      p.configPath === undefined
        ? ["no config: `vwh-proxy serve` would start the offline demo (embedded sandbox, a demo client)"]
        : [
            `config ok: ${p.configPath}`,
            `  listen:   ${s.host}:${s.port}`,
            `  workers:  ${describeWorkers(s.workers)}${p.workers > 1 ? " (node:cluster; rate limits shared through sharedState)" : ""}`,
            `  upstream: ${
              p.upstream._tag === "Sandbox"
                ? "the embedded sandbox (upstream.sandbox: true)"
                : `${withoutUserinfo(p.upstream.baseUrl)} (credentials from the environment)`
            }`,
            `  clients:  ${s.clients.length === 0 ? "none (every request is refused)" : s.clients.map(describeClient).join(", ")}`,
            `  audit:    ${s.audit.path === "-" ? "stdout" : s.audit.path}`
          ]
    process.stdout.write(`${lines.join("\n")}\n`)
  })
