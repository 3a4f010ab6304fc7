// Runs one autocannon load in its own process, so that generating it does not slow the event loop of whoever
// measures latency next to it. Usage: node load.mjs '<autocannon options as JSON>'; prints the result as JSON.
import autocannon from "autocannon"

const options = JSON.parse(process.argv[2] ?? "{}")
autocannon(options, (err, result) => {
  if (err) {
    console.error(err)
    process.exit(1)
  }
  process.stdout.write(JSON.stringify({ requests: result.requests, latency: result.latency, non2xx: result.non2xx }))
})
