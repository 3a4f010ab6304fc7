/**
 * `vwh … --help` from dist/help.json (the standalone executable carries a copy): @effect/cli's own help text for
 * every command, captured at build time (build.mjs) so that asking for help does not load and run the whole CLI.
 * Any other argv, a missing entry or VWH_HELP_CACHE=0 falls through to the live CLI; a test checks both print the
 * same.
 */
export const helpKey = (args: ReadonlyArray<string>): string | undefined => {
  const last = args.at(-1)
  if (last !== "--help" && last !== "-h") return undefined
  const path = args.slice(0, -1)
  return path.every((a) => /^[a-z]+$/.test(a)) ? path.join(" ") : undefined
}

export const cachedHelp = (args: ReadonlyArray<string>, readCache: () => string): string | undefined => {
  if (process.env.VWH_HELP_CACHE === "0") return undefined
  const key = helpKey(args)
  if (key === undefined) return undefined
  try {
    const cache = JSON.parse(readCache()) as Record<string, string>
    return cache[key]
  } catch {
    return undefined
  }
}
