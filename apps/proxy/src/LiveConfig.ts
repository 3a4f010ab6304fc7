import * as Effect from "effect/Effect"
import type { Client, ProxyConfig } from "./ProxyConfig.js"
import { ProxySettings } from "./ProxyConfig.js"

/**
 * The config one request is served with: taken once, when its client is authenticated, so a reload in the middle
 * of a request changes nothing for it (its client, scopes and policy stay those it was let in with).
 */
export interface Snapshot {
  readonly settings: ProxyConfig
  readonly clients: ReadonlyMap<string, Client>
}

const snapshotOf = (settings: ProxyConfig): Snapshot => ({
  settings,
  clients: new Map(settings.clients.map((c) => [c.id, c] as const))
})

/**
 * What a reload may change while the proxy runs: the clients (keys, scopes, per-client rate limits), the policy and
 * the default rate limit. Everything else is bound when the server starts (the socket, the upstream client, the
 * audit sink, the body and time limits, the login throttle, readiness) and takes a restart.
 */
export const reloadable = ["clients", "policy", "limits.rateLimit"] as const

/** The settings that differ between `a` and `b` and need a restart, as dotted paths (`port`, `limits.maxBodyBytes`). */
export const needsRestart = (a: ProxyConfig, b: ProxyConfig): ReadonlyArray<string> => {
  const differ = (x: unknown, y: unknown) => JSON.stringify(x) !== JSON.stringify(y)
  const changed: Array<string> = []
  for (const key of Object.keys({ ...a, ...b }) as Array<keyof ProxyConfig>) {
    if (key === "clients" || key === "policy") continue
    if (key === "limits") {
      for (const limit of Object.keys({ ...a.limits, ...b.limits }) as Array<keyof ProxyConfig["limits"]>) {
        if (limit !== "rateLimit" && differ(a.limits[limit], b.limits[limit])) changed.push(`limits.${limit}`)
      }
    } else if (differ(a[key], b[key])) changed.push(key)
  }
  return changed
}

/** `next`'s reloadable settings on top of `running`: what the proxy serves with after a reload. */
export const applyReloadable = (running: ProxyConfig, next: ProxyConfig): ProxyConfig => ({
  ...running,
  clients: next.clients,
  policy: next.policy,
  limits: { ...running.limits, rateLimit: next.limits.rateLimit }
})

/** The config in effect now, starting from the settings the proxy started with; a reload replaces it for the requests that come after. */
export class LiveConfig extends Effect.Service<LiveConfig>()("@voucherify-webhooks/proxy/LiveConfig", {
  effect: Effect.map(ProxySettings, (initial) => {
    let snapshot = snapshotOf(initial)
    return {
      current: (): Snapshot => snapshot,
      replace: (settings: ProxyConfig): void => {
        snapshot = snapshotOf(settings)
      }
    }
  })
}) {}
