import * as Redacted from "effect/Redacted"

// The secrets vwh was given (the management token, a webhook signing secret) are scrubbed from everything it
// prints, whatever echoed them: an upstream that puts the token in an error body, a proxy that relays one.

const secrets = new Set<string>()

/** Shorter values are not scrubbed: replacing every "abc" in the output would garble it, and such a value is no secret. */
const minimumLength = 8

/** Registers a secret to scrub from output. */
export const addSecret = (secret: string | Redacted.Redacted<string>): void => {
  const value = Redacted.isRedacted(secret) ? Redacted.value(secret) : secret
  if (value.length < minimumLength) return
  secrets.add(value)
  // As it would appear inside a URL or a JSON string.
  secrets.add(encodeURIComponent(value))
  secrets.add(JSON.stringify(value).slice(1, -1))
}

/** The secrets every command may hold: those of the environment (flags add theirs when read). */
export const addSecretsFromEnvironment = (env: Readonly<Record<string, string | undefined>> = process.env): void => {
  for (const name of ["VOUCHERIFY_MANAGEMENT_TOKEN", "VOUCHERIFY_WEBHOOK_SECRET"]) {
    const value = env[name]
    if (value !== undefined) addSecret(value)
  }
}

/** `text` with every registered secret replaced by `[redacted]`. */
export const redact = (text: string): string => {
  let out = text
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, "[redacted]")
  return out
}
