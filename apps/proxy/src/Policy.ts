import { BlockList, isIP } from "node:net"
import { type FieldIssue, FieldIssue as FieldIssueSchema } from "@voucherify-webhooks/core/Errors"
import { unknownEvents } from "@voucherify-webhooks/core/EventType"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Policy } from "./ProxyConfig.js"

/** A create or update broke the proxy's rules; `issues` names each field. */
export class PolicyViolation extends Schema.TaggedError<PolicyViolation>()("PolicyViolation", {
  issues: Schema.Array(FieldIssueSchema)
}) {}

// Where a webhook must never point unless explicitly allowed: the proxy's own network and special-purpose ranges.
const privateRanges = new BlockList()
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
] as const) {
  privateRanges.addSubnet(net, prefix, "ipv4")
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64]
] as const) {
  privateRanges.addSubnet(net, prefix, "ipv6")
}

// IPv4 carried inside IPv6 (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, compatible ::a.b.c.d) is judged as IPv4.
const embeddedIpv4 = (ip: string): string | undefined => {
  const m = /^(?:::ffff:|64:ff9b::|::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip)
  if (!m) return undefined
  if (m[1]) return m[1]
  const hi = Number.parseInt(m[2]!, 16)
  const lo = Number.parseInt(m[3]!, 16)
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

/** True for loopback, private, link-local, unique-local and other non-public addresses, IPv4 or IPv6. */
export const isPrivateAddress = (ip: string): boolean => {
  const family = isIP(ip)
  if (family === 4) return privateRanges.check(ip, "ipv4")
  if (family === 6) {
    const v4 = embeddedIpv4(ip)
    if (v4 !== undefined && isIP(v4) === 4) return privateRanges.check(v4, "ipv4")
    return privateRanges.check(ip, "ipv6")
  }
  return false
}

/**
 * Names that reach the proxy's own machine or network, never a public endpoint: loopback aliases from /etc/hosts,
 * cloud metadata services, and the special-use or private-use suffixes behind which only internal hosts live
 * (RFC 6761, RFC 6762 appendix G, RFC 8375, ICANN's .internal, Kubernetes' cluster domain).
 */
const internalNames = new Set([
  "localhost",
  "localhost.localdomain",
  "ip6-localhost",
  "ip6-loopback",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "kubernetes.default",
  "kubernetes.default.svc.cluster.local"
])
const internalSuffixes = [
  ".localhost",
  ".localdomain",
  ".local",
  ".internal",
  ".intranet",
  ".private",
  ".corp",
  ".home",
  ".lan",
  ".home.arpa",
  ".arpa",
  ".svc"
]

/** Why `host` (lowercase, trailing dots stripped) names an internal machine, or undefined. */
export const internalHostProblem = (host: string): string | undefined => {
  if (internalNames.has(host) || internalSuffixes.some((suffix) => host.endsWith(suffix))) {
    return `must not point at an internal, metadata or loopback name (${host})`
  }
  // A single label (`metadata`, `kubernetes`, `intranet`) is completed by the resolver's search domains, so it
  // names whatever the proxy's own network calls it.
  if (!host.includes(".")) return `must name a fully qualified public host, not a single label (${host})`
  return undefined
}

/** `*.example.com` matches sub-domains of example.com; anything else matches exactly. */
export const hostMatches = (pattern: string, host: string): boolean =>
  pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern

/** Why the proxy refuses this target_url, or undefined. The URL already passed core's TargetUrl schema. */
export const targetUrlViolation = (policy: Policy, targetUrl: string): string | undefined => {
  let url: URL
  try {
    url = new URL(targetUrl)
  } catch {
    return "is not an absolute URL"
  }
  const scheme = url.protocol.slice(0, -1)
  if (!(policy.schemes as ReadonlyArray<string>).includes(scheme)) {
    return `must use ${policy.schemes.join(" or ")}, not ${scheme}`
  }
  // WHATWG URL parsing already normalised odd IPv4 spellings (2130706433, 0x7f.1) to dotted form, the case and
  // IDNA. Every trailing dot goes: "localhost.." resolves as "localhost".
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "")
    .toLowerCase()
  if (host === "") return "must name a host"
  const ip = isIP(host) !== 0
  if (!policy.allowPrivateTargets) {
    if (ip && isPrivateAddress(host)) return `must not point at a private, loopback or link-local address (${host})`
    if (ip) return `must name a host, not an IP address (${host})`
    const internal = internalHostProblem(host)
    if (internal !== undefined) return internal
  }
  if (policy.allowedHosts.length > 0 && !policy.allowedHosts.some((p) => hostMatches(p, host))) {
    return `host ${host} is not allowed; allowed: ${policy.allowedHosts.join(", ")}`
  }
  return undefined
}

/** Every field of a create/update body that breaks the policy, all at once. */
export const checkPolicy = (
  policy: Policy,
  body: { readonly target_url: string; readonly events: ReadonlyArray<string> }
): Effect.Effect<void, PolicyViolation> => {
  const issues: Array<FieldIssue> = []
  const target = targetUrlViolation(policy, body.target_url)
  if (target !== undefined) issues.push({ path: "target_url", message: target })
  if (!policy.allowUnknownEvents) {
    // The list is already bounded by core's schema; hints only for the first few unknown names.
    for (const u of unknownEvents(body.events)) issues.push({ path: `events.${u.index}`, message: u.message })
  }
  return issues.length === 0 ? Effect.void : Effect.fail(new PolicyViolation({ issues }))
}
