import { BlockList, isIP } from "node:net"
import * as Schema from "effect/Schema"

/** An IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`). */
const AddressOrRange = Schema.String.pipe(
  Schema.filter((s) => {
    const [address = "", prefix, ...rest] = s.split("/")
    const family = isIP(address)
    if (family === 0 || rest.length > 0) return 'must be an IP address or a CIDR range such as "10.0.0.0/8"'
    if (/^::ffff:/i.test(address)) return "write an IPv4-mapped address as plain IPv4 (clients are matched as IPv4)"
    if (prefix === undefined) return true
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1
    return (bits >= 0 && bits <= (family === 4 ? 32 : 128)) || `prefix length must be 0-${family === 4 ? 32 : 128}`
  })
)

/**
 * Whom to believe about the client's address. Absent (the default): nobody — the client is the socket's peer and
 * `X-Forwarded-For` is ignored, since anyone can send it. Behind reverse proxies, exactly one of:
 * - `hops: N` — N proxies in front, each appending the address it saw: the client is the Nth entry from the
 *   right of X-Forwarded-For (the peer is the innermost proxy), i.e. the address the outermost of yours saw;
 * - `addresses: [...]` — your proxies' addresses or ranges: walking from the peer leftwards through
 *   X-Forwarded-For, the client is the first address that is not one of them.
 */
export const TrustProxy = Schema.Struct({
  hops: Schema.optional(Schema.Int.pipe(Schema.between(1, 10))),
  addresses: Schema.optional(Schema.Array(AddressOrRange).pipe(Schema.minItems(1)))
}).pipe(
  Schema.filter(
    (t) =>
      (t.hops === undefined) !== (t.addresses === undefined) ||
      'give exactly one of "hops" (how many proxies are in front) or "addresses" (which peers are your proxies)'
  )
)
export type TrustProxy = typeof TrustProxy.Type

/** At most this many X-Forwarded-For entries are looked at (from the right): the rest are the client's to invent. */
const maxEntries = 20

/**
 * An address as written in X-Forwarded-For or by node, normalised: no brackets, port or zone, IPv4-mapped IPv6 as
 * IPv4, lowercase; undefined when it is not an IP address.
 */
export const normalizeAddress = (raw: string): string | undefined => {
  let address = raw.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (bracketed) address = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.indexOf(":"))
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) address = mapped[1]!
  // A link-local address's zone (fe80::1%eth0) says which interface, not who.
  const zone = address.indexOf("%")
  if (zone > 0) address = address.slice(0, zone)
  return isIP(address) === 0 ? undefined : address.toLowerCase()
}

/**
 * The client's address from the socket's peer and the X-Forwarded-For header, under `trust`. Every address it
 * returns is a valid IP (never text a client wrote into the header); an entry that is not one ends the walk at the
 * last good address.
 */
export const clientAddressResolver = (trust: TrustProxy | undefined) => {
  if (trust === undefined) return (peer: string | undefined, _forwardedFor: string | undefined) => normalize(peer)
  const trusted = trust.addresses === undefined ? undefined : blockList(trust.addresses)
  return (peer: string | undefined, forwardedFor: string | undefined): string | undefined => {
    let current = normalize(peer)
    if (current === undefined || forwardedFor === undefined) return current
    const entries = forwardedFor.split(",").slice(-maxEntries)
    for (let hop = 1; entries.length > 0; hop++) {
      // hops: the peer and the N-1 addresses before it are our proxies; addresses: while the current one is ours.
      const stillOurs = trusted === undefined ? hop <= trust.hops! : trusted.check(current, family(current))
      if (!stillOurs) return current
      const next = normalizeAddress(entries.pop()!)
      if (next === undefined) return current
      current = next
    }
    return current
  }
}

const normalize = (peer: string | undefined) => (peer === undefined ? undefined : normalizeAddress(peer))

const family = (address: string): "ipv4" | "ipv6" => (isIP(address) === 4 ? "ipv4" : "ipv6")

const blockList = (ranges: ReadonlyArray<string>): BlockList => {
  const list = new BlockList()
  for (const range of ranges) {
    const [address, prefix] = range.split("/") as [string, string | undefined]
    const normalized = normalizeAddress(address)!
    if (prefix === undefined) list.addAddress(normalized, family(normalized))
    else list.addSubnet(normalized, Number(prefix), family(normalized))
  }
  return list
}
