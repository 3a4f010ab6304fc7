import { cachedHelp } from "./HelpCache.js"
import { version } from "./Version.js"

/**
 * What every way of starting vwh does first (the npm bin, bin.ts, and the standalone executable, sea.ts): end
 * quietly on a closed pipe, and answer --version and --help without loading the CLI. Returns true when it answered.
 */
export const answerWithoutCli = (readHelp: () => string): boolean => {
  // A closed stdout or stderr (`vwh events | head -1`) ends vwh quietly, as it ends other Unix tools: no trace,
  // the status of a process SIGPIPE ended (141).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(141)
      process.stderr.write(`vwh: cannot write its output: ${error.message}\n`)
      process.exit(1)
    })
  }
  const args = process.argv.slice(2)
  const answer = args.length === 1 && args[0] === "--version" ? `${version}\n` : cachedHelp(args, readHelp)
  if (answer === undefined) return false
  process.stdout.write(answer)
  return true
}
