import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A real Redis for tests: Debian's redis-server on a free loopback port, its files in a temp dir, no persistence.
 * Absent on a user's machine, the tests that need it skip and say how to install it (`.ci/run` installs it).
 */
const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" })
export const redisServerMissing =
  found.status === 0
    ? undefined
    : "redis-server is not installed: these tests need a real Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)"
if (redisServerMissing !== undefined) process.stderr.write(`SKIPPED: ${redisServerMissing}\n`)

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Stops it (SIGKILL: as abrupt as a crash). */
  readonly kill: () => Promise<void>
  /** Starts it again on the same port (empty: no persistence). */
  readonly restart: () => Promise<void>
  /** A redis-cli command against it; stdout. */
  readonly cli: (...args: ReadonlyArray<string>) => string
  /** The same, not blocking this process (DEBUG SLEEP). */
  readonly cliAsync: (...args: ReadonlyArray<string>) => Promise<void>
  readonly stop: () => Promise<void>
}

const waitUntilUp = async (port: number, child: ChildProcess) => {
  const until = Date.now() + 10_000
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`)
    const ping = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" })
    if (ping.stdout.trim() === "PONG") return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error("redis-server did not answer within 10 s")
}

export const startRedis = async (): Promise<RedisServer> => {
  const dir = mkdtempSync(join(tmpdir(), "vwh-redis-"))
  const port = await freePort()
  let child: ChildProcess
  const launch = async () => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--enable-debug-command",
        "local"
      ],
      { stdio: "ignore" }
    )
    await waitUntilUp(port, child)
  }
  const kill = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGKILL")
    })
  await launch()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: launch,
    cli: (...args) => spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" }).stdout.trim(),
    cliAsync: (...args) =>
      new Promise((resolve) =>
        spawn("redis-cli", ["-p", String(port), ...args], { stdio: "ignore" }).once("exit", () => resolve())
      ),
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
