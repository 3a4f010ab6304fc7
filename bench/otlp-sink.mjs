// A stand-in OTLP/HTTP collector for the benchmarks: takes every POST, answers 200, keeps nothing. In its own
// process, so what it costs is not charged to the load generator or the proxy.
import { createServer } from "node:http"

let bytes = 0
const server = createServer((req, res) => {
  req.on("data", (chunk) => {
    bytes += chunk.length
  })
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" })
    res.end("{}")
  })
})
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
process.on("SIGTERM", () => {
  console.error(`otlp-sink: received ${(bytes / 1024).toFixed(0)} KiB of spans`)
  process.exit(0)
})
