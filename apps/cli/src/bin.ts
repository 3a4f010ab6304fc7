import { loadCli } from "./CodeCache.js"
import { cachedHelp } from "./HelpCache.js"
import { version } from "./Version.js"

// A closed stdout or stderr (`vwh events | head -1`) ends vwh quietly, as it ends other Unix tools: no trace,
// the status of a process SIGPIPE ended (141).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(141)
    process.stderr.write(`vwh: cannot write its output: ${error.message}\n`)
    process.exit(1)
  })
}

// The answers that need no CLI are given without loading it (dist/cli.cjs).
const args = process.argv.slice(2)
const help = args.length === 1 && args[0] === "--version" ? `${version}\n` : cachedHelp(args)
if (help !== undefined) process.stdout.write(help)
else loadCli().main(process.argv)
