// The baseline proxy for proxy-throughput.mjs: forwards bytes to --upstream with a keep-alive agent and checks
// nothing (no auth, no validation, no logs). Its own process, like vwh-proxy, so each gets an event loop and
// its CPU can be measured the same way. Usage: node pass-through.mjs --upstream http://127.0.0.1:4010
import { Agent, createServer, request } from "node:http"
import { parseArgs } from "node:util"

const { values } = parseArgs({ options: { upstream: { type: "string" }, port: { type: "string", default: "0" } } })
if (!values.upstream) {
  console.error("usage: node pass-through.mjs --upstream <url> [--port 0]")
  process.exit(2)
}
const target = new URL(values.upstream)
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const server = createServer((req, res) => {
  const up = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
    }
  )
  up.on("error", () => {
    res.writeHead(502)
    res.end()
  })
  req.pipe(up)
})
server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(`pass-through listening on http://127.0.0.1:${server.address().port}`)
})
process.on("SIGTERM", () => {
  server.close()
  agent.destroy()
})
