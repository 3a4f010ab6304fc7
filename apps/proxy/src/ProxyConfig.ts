import { clusterNames } from "@voucherify-webhooks/core/Clusters"
import * as Context from "effect/Context"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { TrustProxy } from "./ClientAddress.js"

/** `sha256:` and 64 hex digits: the hash of a client key minted by `vwh-proxy hash-key`. */
export const KeyHash = Schema.String.pipe(
  Schema.filter(
    (s) =>
      /^sha256:[0-9a-f]{64}$/.test(s) ||
      `${/^sha256:[0-9a-f]{64}$/i.test(s) ? "must be lowercase hex" : "not a key hash (a placeholder?)"}: run \`vwh-proxy hash-key --config <file> --id <client>\` to mint a key and write its hash here`
  )
)

const ClientId = Schema.String.pipe(
  Schema.filter((s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s) || "must be 1-64 letters, digits, '.', '_' or '-'")
)

const Positive = Schema.Number.pipe(Schema.filter((n) => (Number.isFinite(n) && n > 0) || "must be a positive number"))
const PositiveInt = Schema.Int.pipe(Schema.filter((n) => n > 0 || "must be a positive integer"))

/**
 * An optional section of the file: absent, it is every field's own default. Each default is stated once, on its
 * field (a section's default restating them drifted apart).
 */
const section = <Fields extends Schema.Struct.Fields>(fields: Fields) => {
  const struct = Schema.Struct(fields)
  // Every field here is context-free (plain values), so decoding needs no service.
  const decode = Schema.decodeUnknownSync(struct as unknown as Schema.Schema<Schema.Schema.Type<typeof struct>>)
  return Schema.optionalWith(struct, { default: () => decode({}) })
}

/** Token bucket: `burst` requests at once, refilled at `perSecond`. */
export const RateLimit = Schema.Struct({ perSecond: Positive, burst: PositiveInt })
export type RateLimit = typeof RateLimit.Type

/** Failed-login budgets: per source address (IPv6 per /64) and per configured client id. */
const failedLogins = {
  perAddress: Schema.optionalWith(RateLimit, { default: () => ({ perSecond: 0.2, burst: 10 }) }),
  perClient: Schema.optionalWith(RateLimit, { default: () => ({ perSecond: 1, burst: 30 }) })
}

export const Access = Schema.Literal("read", "write")
export type Access = typeof Access.Type

/** How many keys a client may have at once: the one in use, its successor, and one spare for a rotation gone wrong. */
export const maxKeysPerClient = 3

const clientFields = {
  id: ClientId,
  /** Project ids the client may touch, or "*" for all. */
  projects: Schema.Union(Schema.Literal("*"), Schema.Array(Schema.NonEmptyTrimmedString)),
  access: Schema.Array(Access).pipe(Schema.minItems(1)),
  rateLimit: Schema.optional(RateLimit)
}

const hashHint = "mint one with `vwh-proxy hash-key --config <file> --id <client>`"

/** A client as the file says it: `keyHashes` (1-3, for rotation), or the older single `keyHash`. */
const ClientInFile = Schema.Struct({
  ...clientFields,
  keyHash: Schema.optional(KeyHash),
  keyHashes: Schema.optional(
    Schema.Array(KeyHash).pipe(
      Schema.minItems(1, { message: () => `needs at least one key hash: ${hashHint}` }),
      Schema.maxItems(maxKeysPerClient, {
        message: () =>
          `at most ${maxKeysPerClient} keys: remove one its client no longer uses (\`vwh-proxy remove-key\`)`
      })
    )
  )
}).pipe(
  Schema.filter((c) => {
    if (c.keyHash !== undefined && c.keyHashes !== undefined) {
      return { path: ["keyHash"], message: "give keyHashes or keyHash, not both (keyHashes holds every key)" }
    }
    if (c.keyHash === undefined && c.keyHashes === undefined) {
      return { path: ["keyHashes"], message: `is missing: ${hashHint}` }
    }
    const i = (c.keyHashes ?? []).findIndex((h, j, all) => all.indexOf(h) !== j)
    return i < 0 || { path: ["keyHashes", i], message: "the same key twice" }
  })
)

/** A client of the proxy: its id, the hashes of its keys (any of them lets it in), its scopes and rate limit. */
export const Client = Schema.transform(
  ClientInFile,
  Schema.Struct({ ...clientFields, keyHashes: Schema.Array(Schema.String) }),
  {
    strict: true,
    decode: ({ keyHash, keyHashes, ...rest }) => ({ ...rest, keyHashes: keyHashes ?? (keyHash ? [keyHash] : []) }),
    encode: (client) => client
  }
)
export type Client = typeof Client.Type

const HostPattern = Schema.String.pipe(
  Schema.filter(
    (s) =>
      /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(s) ||
      'must be a lowercase host name, optionally starting with "*." (e.g. "*.example.com")'
  )
)

const policyFields = {
  /** URL schemes a target_url may use. */
  schemes: Schema.optionalWith(Schema.Array(Schema.Literal("https", "http")).pipe(Schema.minItems(1)), {
    default: () => ["https" as const]
  }),
  /** Host patterns a target_url must match (`*.example.com` matches sub-domains only); empty = any public host. */
  allowedHosts: Schema.optionalWith(Schema.Array(HostPattern), { default: () => [] }),
  /** IP literals, localhost and private / loopback / link-local ranges are refused unless this is true. */
  allowPrivateTargets: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** Accept well-formed event names this release does not know. */
  allowUnknownEvents: Schema.optionalWith(Schema.Boolean, { default: () => false })
}
export const Policy = Schema.Struct(policyFields)
export type Policy = typeof Policy.Type

const upstreamFields = {
  /**
   * Forward to the embedded sandbox instead of Voucherify (to try a config offline). Never implied: with a config
   * file and no upstream credentials the proxy refuses to start rather than quietly serve a sandbox.
   */
  sandbox: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** A base URL (wins over `cluster`); the VOUCHERIFY_API_URL / VOUCHERIFY_CLUSTER env vars win over both. */
  url: Schema.optional(
    Schema.String.pipe(
      Schema.filter((s) => {
        try {
          const u = new URL(s)
          return u.protocol === "http:" || u.protocol === "https:" || "must be an http(s) URL"
        } catch {
          return "must be an absolute http(s) URL"
        }
      })
    )
  ),
  cluster: Schema.optional(Schema.Literal(...clusterNames)),
  /** Per upstream attempt. */
  timeoutMs: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** Retries of safe calls (core's rules: never a POST that may have arrived). */
  maxRetries: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 5)), { default: () => 1 })
}

/** A redis:// or rediss:// URL. Never echoed in an error: its password is a secret. */
const RedisUrl = Schema.Redacted(
  Schema.String.pipe(
    Schema.filter((s) => {
      try {
        const u = new URL(s)
        return u.protocol === "redis:" || u.protocol === "rediss:" || "must be a redis:// or rediss:// URL"
      } catch {
        return "must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379"
      }
    })
  )
)

/**
 * Rate limits and failed-login throttles shared by every replica and worker through Redis (see SharedState.ts).
 * `redisUrl` may come from REDIS_URL (or REDIS_URL_FILE) instead, which wins.
 */
export const SharedStateConfig = Schema.Struct({
  redisUrl: Schema.optional(RedisUrl),
  /** When Redis does not answer: per-process limits ("local", the API stays up) or 503 ("deny"). */
  onUnavailable: Schema.optionalWith(Schema.Literal("local", "deny"), { default: () => "local" as const }),
  /**
   * Per Redis command. A Redis next to the proxy answers in well under a millisecond; 10 ms bounds what a stalled
   * one adds to a request (a fifth of a typical 50 ms Voucherify call) while leaving room for a busy host.
   */
  timeoutMs: Schema.optionalWith(PositiveInt, { default: () => 10 }),
  /** Every key the proxy writes starts with this (several proxies for different accounts can share one Redis). */
  keyPrefix: Schema.optionalWith(Schema.String, { default: () => "vwh-proxy:" })
})
export type SharedStateConfig = typeof SharedStateConfig.Type

/**
 * How many processes serve on the port (node:cluster): a positive integer, or "auto" for one per CPU this process may
 * use (`os.availableParallelism()`). More than one needs `sharedState`, or each would keep its own rate limits.
 */
export const Workers = Schema.Union(
  Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  Schema.Literal("auto")
).annotations({
  // One message for the whole union (its members' "Expected number or …" would not say what to write).
  message: (issue) => {
    const actual = "actual" in issue ? issue.actual : undefined
    const quoted = typeof actual === "string" && /^\s*\d+\s*$/.test(actual) ? " (a number, without quotes)" : ""
    return { message: `must be a positive integer or "auto", got ${JSON.stringify(actual)}${quoted}`, override: true }
  }
})
export type Workers = typeof Workers.Type

export const ProxyConfig = Schema.Struct({
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 65535)), { default: () => 8080 }),
  host: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "127.0.0.1" }),
  /** Processes serving on the port; 1 is a single process with no cluster code on its path. */
  workers: Schema.optionalWith(Workers, { default: () => 1 }),
  upstream: section(upstreamFields),
  clients: Schema.Array(Client).pipe(
    Schema.filter((clients) => {
      const seen = new Set<string>()
      const owners = new Map<string, string>()
      for (const [i, c] of clients.entries()) {
        if (seen.has(c.id)) return { path: [i, "id"], message: `duplicate client id "${c.id}"` }
        seen.add(c.id)
        for (const [j, hash] of c.keyHashes.entries()) {
          const owner = owners.get(hash)
          if (owner !== undefined) {
            return {
              path: [i, "keyHashes", j],
              message: `the same key as client "${owner}": each client needs its own key (${hashHint.replace("<client>", c.id)})`
            }
          }
          owners.set(hash, c.id)
        }
      }
      return true
    })
  ),
  policy: section(policyFields),
  sharedState: Schema.optional(SharedStateConfig),
  /** Names this replica in access and audit lines; default `<hostname>/<pid>`. */
  instanceId: Schema.optional(Schema.NonEmptyTrimmedString),
  /** Whom to believe about a client's address (X-Forwarded-For); absent = nobody (see ClientAddress.ts). */
  trustProxy: Schema.optional(TrustProxy),
  /** Where audit records go: a file path (appended, JSON lines) or "-" for stdout. */
  audit: section({
    /** A file path (absent: stdout, "-"). */
    path: Schema.optionalWith(Schema.NonEmptyString, { default: () => "-" }),
    /** Rate-limited changes of a client, operation and project: one record, then one summary per this window. */
    rateLimitedWindowMs: Schema.optionalWith(PositiveInt, { default: () => 60_000 })
  }),
  limits: section({
    maxBodyBytes: Schema.optionalWith(PositiveInt, { default: () => 65_536 }),
    requestTimeoutMs: Schema.optionalWith(PositiveInt, { default: () => 30_000 }),
    /** For clients without their own `rateLimit`. */
    rateLimit: Schema.optionalWith(RateLimit, { default: () => ({ perSecond: 10, burst: 20 }) }),
    /** Failed logins allowed per source address and per claimed client id before 429 (see README). */
    failedLogins: section(failedLogins),
    /** How long SIGTERM waits for in-flight requests before cutting them off. */
    shutdownGraceMs: Schema.optionalWith(PositiveInt, { default: () => 25_000 })
  }),
  /** Live reload (SIGHUP always): also reload when the file changes; off for files written in place bit by bit. */
  reload: section({ watch: Schema.optionalWith(Schema.Boolean, { default: () => true }) }),
  readiness: section({
    timeoutMs: Schema.optionalWith(PositiveInt, { default: () => 2_000 }),
    cacheMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 5_000 }),
    /** A project the probe lists with the proxy's credentials: /readyz then also proves they are accepted. */
    project: Schema.optional(Schema.NonEmptyTrimmedString)
  })
})
export type ProxyConfig = typeof ProxyConfig.Type

/** The validated configuration, as a service: a value the caller supplies, so a Context.Tag. */
export class ProxySettings extends Context.Tag("@voucherify-webhooks/proxy/ProxySettings")<
  ProxySettings,
  ProxyConfig
>() {}

/**
 * A union's issues as one problem each: an optional field's "Expected undefined" beside the real problem is dropped,
 * and a literal's alternatives are said together (`Expected "read" or "write", actual "admin"`).
 */
const oneLinePerProblem = (issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>) => {
  const key = (path: ReadonlyArray<PropertyKey>) => path.map(String).join(".")
  const alternative = /^Expected (.+), actual (.+)$/s
  const lines = new Map<string, { path: string; message: string }>()
  for (const issue of issues) {
    const path = key(issue.path)
    const m = alternative.exec(issue.message)
    if (m?.[1] === "undefined") {
      const inside = issues.some(
        (other) =>
          other !== issue &&
          key(other.path).startsWith(path) &&
          !alternative.exec(other.message)?.[1]?.startsWith("undefined")
      )
      if (inside) continue
    }
    const grouped = m ? `${path}\u0000${m[2]}` : `${path}\u0000${issue.message}`
    const seen = lines.get(grouped)
    if (seen !== undefined && m) seen.message = seen.message.replace(/, actual .*$/s, ` or ${m[1]}, actual ${m[2]}`)
    else if (seen === undefined) lines.set(grouped, { path, message: issue.message })
  }
  return [...lines.values()].map(({ message, path }) => `${path.length > 0 ? path : "(root)"}: ${message}`)
}

/** One line per problem, each naming its path (`clients.0.keyHash: …`). */
export const decodeConfig = (input: unknown): Either.Either<ProxyConfig, ReadonlyArray<string>> =>
  Schema.decodeUnknownEither(ProxyConfig, { errors: "all", onExcessProperty: "error" })(input).pipe(
    Either.mapLeft((error) => oneLinePerProblem(ParseResult.ArrayFormatter.formatErrorSync(error)))
  )
