/**
 * How long the server asked us to wait, in ms: `Retry-After` (seconds or an HTTP date) first, then
 * Voucherify's `X-Rate-Limit-Retry` (a Unix time in seconds). Undefined when neither says anything usable.
 */
export const retryAfterMs = (
  headers: Readonly<Record<string, string | undefined>>,
  now: number
): number | undefined => {
  const retryAfter = headers["retry-after"]?.trim()
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000)
    const at = Date.parse(retryAfter)
    if (!Number.isNaN(at)) return Math.max(0, at - now)
  }
  const epoch = headers["x-rate-limit-retry"]?.trim()
  if (epoch && /^\d+(\.\d+)?$/.test(epoch)) return Math.max(0, Math.round(Number(epoch) * 1000 - now))
  return undefined
}
