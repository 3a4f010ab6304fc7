import pkg from "../package.json" with { type: "json" }

/** The version of vwh: package.json's, inlined at build time. */
export const version: string = pkg.version
