import pkg from "../package.json" with { type: "json" }

/** package.json's name and version; sent as the User-Agent on every request. */
export const packageName: string = pkg.name
export const version: string = pkg.version
export const userAgent = `voucherify-webhooks-core/${version} (node ${
  typeof process === "undefined" ? "unknown" : process.versions.node
})`
