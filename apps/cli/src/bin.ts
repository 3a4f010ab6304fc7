import { cachedHelp } from "./HelpCache.js"

const help = cachedHelp(process.argv.slice(2))
if (help !== undefined) {
  process.stdout.write(help)
} else {
  // Imported dynamically so that the cached-help path above never evaluates the CLI (esbuild inlines it lazily).
  const { main } = await import("./Cli.js")
  main(process.argv)
}
