/** Kept in step with package.json (a test checks); sent as the User-Agent on every request. */
export const packageName = "@voucherify-webhooks/core"
export const version = "0.1.0"
export const userAgent = `voucherify-webhooks-core/${version} (node ${
  typeof process === "undefined" ? "unknown" : process.versions.node
})`
