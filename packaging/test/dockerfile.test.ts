// The container recipe (Dockerfile, .dockerignore at the root). No Docker engine runs here, so this reads the
// Dockerfile as Docker would and checks the recipe's shape, then runs its last stage as Docker would — its COPY of
// the packed proxy, its RUN commands, USER, WORKDIR and ENV — in a folder standing for the image's filesystem (the
// container's absolute paths under it), and then its own CMD and HEALTHCHECK commands: config and secrets from
// "mounted" files, the installed sandbox as upstream. A change to the Dockerfile that would break the container
// breaks this test.
import { execFileSync, spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { networkInterfaces } from "node:os"
import { basename, dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { command, dockerignored, healthcheck, last, type Stage, stageEnv, stages } from "./dockerfile.js"
import { bin, npmEnv, type RunningSandbox, repoRoot, run, startSandboxBin } from "./helpers.js"

const installed = inject("installed")
const all = stages(readFileSync(join(repoRoot, "Dockerfile"), "utf8"))
const final = all.at(-1) as Stage
const env = stageEnv(final)
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args)
const copyFrom = final.instructions.find((i) => i.keyword === "COPY" && i.args.startsWith("--from="))
const packStage = all.find((s) => s.name !== undefined && copyFrom?.args.startsWith(`--from=${s.name} `))

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("the Dockerfile", () => {
  it("builds and packs the proxy in one stage, installs only the tarball in a slim Node stage, runs as non-root", () => {
    expect(all.length).toBeGreaterThanOrEqual(2)
    expect(packStage, "the last stage copies from a named build stage").toBeDefined()
    expect(runs(packStage!).join("\n")).toMatch(
      /pnpm@[\d.]+ --filter @voucherify-webhooks\/proxy pack --pack-destination/
    )
    // The pnpm of the build stage is the repository's.
    const pnpmVersion = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).packageManager.split("@")[1]
    for (const r of runs(packStage!)) for (const [, v] of r.matchAll(/pnpm@([\d.]+)/g)) expect(v).toBe(pnpmVersion)
    // The Node line the packages support (engines) is the image's.
    const engines = JSON.parse(readFileSync(join(repoRoot, "apps", "proxy", "package.json"), "utf8")).engines.node
    expect(final.from).toMatch(new RegExp(`^node:${engines.replace(">=", "")}[\\w.-]*-slim$`))

    expect(runs(final).some((r) => /^npm install --global .*\.tgz/.test(r))).toBe(true)
    // Nothing else is installed in the image: no pnpm, no source, no build.
    expect(runs(final).join("\n")).not.toMatch(/pnpm|npm ci|build/)
    const user = last(final, "USER")
    expect(user?.args).toBeDefined()
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/)
    const userAt = final.instructions.indexOf(user!)
    expect(final.instructions.slice(userAt).filter((i) => i.keyword === "USER")).toHaveLength(1)
    // The server starts after USER: CMD, ENTRYPOINT and HEALTHCHECK run as that user.
    for (const keyword of ["CMD", "HEALTHCHECK"])
      expect(final.instructions.indexOf(last(final, keyword)!)).toBeGreaterThan(userAt)

    expect(env.HOST).toBe("0.0.0.0")
    expect(last(final, "EXPOSE")?.args).toBe(env.PORT)
    const check = healthcheck(last(final, "HEALTHCHECK")!.args)
    expect(check.command?.join(" ")).toContain("/healthz")
    expect(check.options.timeout).toBeDefined()
  })

  it(".dockerignore keeps every file of the repository in the build context, and what is built, installed or secret out", (ctx) => {
    const ignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8")
    let tracked: Array<string>
    try {
      tracked = execFileSync("git", ["ls-files", "-z"], { cwd: repoRoot, encoding: "utf8" }).split("\0").filter(Boolean)
    } catch {
      ctx.skip(true, "not a git checkout: cannot list the repository's files to check .dockerignore against")
      return
    }
    expect(tracked.length).toBeGreaterThan(100)
    // The build stage copies the repository (COPY . .) and builds from the lockfile: it needs every tracked file.
    expect(tracked.filter((f) => dockerignored(ignore, f))).toEqual([])
    const outside = [
      ".git/HEAD",
      "node_modules/.modules.yaml",
      "apps/proxy/node_modules/effect/package.json",
      "apps/proxy/dist/main.js",
      "packages/core/dist/Webhooks.js",
      "apps/cli/dist/sea/vwh",
      ".turbo/cache/x.tar.zst",
      "packages/core/.turbo/turbo-build.log",
      ".env",
      ".env.production",
      "proxy.json",
      "secrets/voucherify_management_token",
      "apps/proxy/tls/server.key"
    ]
    expect(outside.filter((f) => !dockerignored(ignore, f))).toEqual([])
  })
})

describe("the Dockerfile's last stage, run against the packed proxy, then its CMD and HEALTHCHECK", () => {
  let sandbox: RunningSandbox
  /** The image's filesystem: a container path /x/y is image + /x/y. */
  let image: string
  let workdir: string
  let runEnv: NodeJS.ProcessEnv
  let clientKey: string
  const check = healthcheck(last(final, "HEALTHCHECK")!.args).command!
  const cmd = [...command(last(final, "ENTRYPOINT")?.args ?? "[]"), ...command(last(final, "CMD")!.args)]
  // The image's PATH: its global npm prefix's bin, then Node (the node image has both in /usr/local/bin).
  const imagePath = () => `${join(image, "usr", "local", "bin")}:${dirname(process.execPath)}:/usr/bin:/bin`
  const rooted = (text: string) =>
    text.replace(/(^|[\s=:"'])\/(?=(?:tmp|usr|var|etc|home|run|opt|srv|out)(?:\/|\s|$))/g, `$1${image}/`)

  beforeAll(async () => {
    image = mkdtempSync(join(installed.root, "image-"))
    workdir = image
    mkdirSync(join(image, "root"))
    let stageVars: Record<string, string> = {}
    for (const instruction of final.instructions) {
      const { keyword, args } = instruction
      if (keyword === "COPY") {
        // The pack stage's output: the proxy's tarball, packed as `pnpm pack` packs it (the global setup did).
        const [from, source, destination] = args.split(/\s+/)
        expect(from).toBe(`--from=${packStage!.name}`)
        const packDestination = /--pack-destination\s+(\S+)/.exec(runs(packStage!).join("\n"))?.[1]
        expect(source!.replace(/\/$/, "")).toBe(packDestination)
        const target = rooted(destination!)
        mkdirSync(target, { recursive: true })
        const tarball = installed.tarballs["@voucherify-webhooks/proxy"]!
        copyFileSync(tarball, join(target, basename(tarball)))
      } else if (keyword === "RUN") {
        // Shell form, as Docker runs it, as root, with the image's npm global prefix; no npm cache or registry of ours.
        const ran = await run("/bin/sh", ["-c", rooted(args)], {
          cwd: workdir,
          env: {
            ...stageVars,
            PATH: imagePath(),
            HOME: join(image, "root"),
            npm_config_prefix: join(image, "usr", "local"),
            npm_config_update_notifier: "false"
          },
          timeoutMs: 120_000
        })
        expect(ran.code, `RUN ${args}\n${ran.stdout}\n${ran.stderr}`).toBe(0)
      } else if (keyword === "WORKDIR") {
        workdir = rooted(args)
        mkdirSync(workdir, { recursive: true })
      } else if (keyword === "ENV") {
        stageVars = stageEnv({
          ...final,
          instructions: final.instructions.slice(0, final.instructions.indexOf(instruction) + 1)
        })
      } else {
        // What the test does not run must not change the filesystem or the environment.
        expect(["USER", "VOLUME", "EXPOSE", "HEALTHCHECK", "STOPSIGNAL", "CMD", "ENTRYPOINT", "LABEL"]).toContain(
          keyword
        )
      }
    }

    sandbox = await startSandboxBin(installed)
    // What the operator mounts: the config (from the example the package ships) and the upstream credentials.
    const secrets = join(image, "run", "secrets")
    mkdirSync(secrets, { recursive: true })
    writeFileSync(join(secrets, "voucherify_management_id"), `${sandbox.env.VOUCHERIFY_MANAGEMENT_ID}\n`)
    writeFileSync(join(secrets, "voucherify_management_token"), `${sandbox.env.VOUCHERIFY_MANAGEMENT_TOKEN}\n`)
    const packageDir = join(image, "usr", "local", "lib", "node_modules", "@voucherify-webhooks", "proxy")
    const example = JSON.parse(readFileSync(join(packageDir, "proxy.example.json"), "utf8"))
    const config = join(image, "etc", "vwh-proxy", "proxy.json")
    mkdirSync(dirname(config), { recursive: true })
    writeFileSync(
      config,
      JSON.stringify(
        {
          ...example,
          clients: [{ ...example.clients[0], projects: ["proj_sandbox"] }],
          upstream: { ...example.upstream, url: sandbox.url, cluster: undefined },
          audit: { path: rooted("/home/node/audit/audit.jsonl") }
        },
        null,
        2
      )
    )
    runEnv = {
      ...env,
      PATH: imagePath(),
      HOME: rooted("/home/node"),
      PORT: String(await freePort()),
      PROXY_CONFIG: config,
      VOUCHERIFY_MANAGEMENT_ID_FILE: join(secrets, "voucherify_management_id"),
      VOUCHERIFY_MANAGEMENT_TOKEN_FILE: join(secrets, "voucherify_management_token")
    }
    // `docker run --rm -v …proxy.json… vwh-proxy vwh-proxy hash-key --config … --id ci-bot`
    const minted = await run("vwh-proxy", ["hash-key", "--config", config, "--id", "ci-bot"], { env: runEnv })
    expect(minted.code, minted.stderr).toBe(0)
    clientKey = /^key:\s+(vwhk_[\w-]+)$/m.exec(minted.stdout)?.[1] ?? ""
    expect(clientKey).not.toBe("")
  })
  afterAll(() => sandbox?.stop())

  it("installs the tarball alone, offline, and cleans up after itself", () => {
    const global = join(image, "usr", "local", "lib", "node_modules")
    expect(readdirSync(global)).toEqual(["@voucherify-webhooks"])
    expect(readdirSync(join(global, "@voucherify-webhooks"))).toEqual(["proxy"])
    // Nothing besides the bundle: no node_modules inside the package.
    expect(existsSync(join(global, "@voucherify-webhooks", "proxy", "node_modules"))).toBe(false)
    expect(readdirSync(join(image, "usr", "local", "bin"))).toEqual(["vwh-proxy"])
    expect(readdirSync(join(image, "tmp"))).toEqual([])
    // The audit volume exists before the container starts (created by the user that writes to it).
    expect(existsSync(rooted("/home/node/audit"))).toBe(true)
  })

  /** `docker run`: the CMD with the container's environment, then the HEALTHCHECK command until it passes. */
  const startContainer = async (containerEnv: NodeJS.ProcessEnv) => {
    const healthy = () => run(check[0]!, check.slice(1), { env: containerEnv, timeoutMs: 10_000 })
    expect((await healthy()).code).not.toBe(0) // nothing listens yet
    const proxy = spawn(cmd[0]!, cmd.slice(1), { cwd: workdir, env: containerEnv, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    proxy.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8")
    })
    proxy.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8")
    })
    const exited = new Promise<number | null>((resolve) => proxy.once("exit", (code) => resolve(code)))
    // `docker stop`: the STOPSIGNAL; the container then exits 0 and the health check fails.
    const stop = async () => {
      proxy.kill((last(final, "STOPSIGNAL")?.args ?? "SIGTERM") as NodeJS.Signals)
      expect(await exited).toBe(0)
      expect((await healthy()).code).not.toBe(0)
    }
    const until = Date.now() + 20_000
    let status = await healthy()
    while (status.code !== 0 && Date.now() < until && proxy.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200))
      status = await healthy()
    }
    if (status.code !== 0) {
      proxy.kill("SIGKILL")
      expect.fail(`the HEALTHCHECK never passed:\n${output}`)
    }
    return { output: () => output, stop }
  }

  it("serves on 0.0.0.0 with the mounted config and secrets, healthy; after SIGTERM, unhealthy", async () => {
    const container = await startContainer(runEnv)
    const output = container.output
    try {
      // Listening on every interface: the start log says so, and an address other than loopback answers.
      const started = output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { message: string; annotations: Record<string, unknown> })
        .find((l) => l.message === "started")
      expect(started?.annotations).toMatchObject({ host: "0.0.0.0", port: Number(runEnv.PORT) })
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a?.family === "IPv4" && !a.internal)
      if (external) expect((await fetch(`http://${external.address}:${runEnv.PORT}/healthz`)).status).toBe(200)
      else console.warn("no non-loopback IPv4 address here: 0.0.0.0 checked from the start log only")

      // A client with its proxy-issued key, through the proxy, to the upstream whose credentials came from files.
      const client = npmEnv({
        VOUCHERIFY_API_URL: `http://127.0.0.1:${runEnv.PORT}`,
        VOUCHERIFY_MANAGEMENT_ID: "ci-bot",
        VOUCHERIFY_MANAGEMENT_TOKEN: clientKey
      })
      const url = "https://hooks.example.com/container"
      const created = await run(
        bin(installed, "vwh"),
        ["webhooks", "create", "--project", "proj_sandbox", "--url", url, "--event", "voucher.published"],
        { env: client }
      )
      expect(created.stderr).toBe("")
      expect(created.code).toBe(0)
      const upstream = await run(bin(installed, "vwh"), ["webhooks", "list", "--project", "proj_sandbox"], {
        env: npmEnv(sandbox.env)
      })
      expect(upstream.stdout).toContain(url)
      // The change is in the audit trail on the volume.
      const audit = readFileSync(rooted("/home/node/audit/audit.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(audit.at(-1)).toMatchObject({
        client: "ci-bot",
        operation: "create",
        target_host: "hooks.example.com",
        outcome: "ok"
      })
      // The secrets were read from the files, never printed.
      expect(output()).not.toContain(sandbox.env.VOUCHERIFY_MANAGEMENT_TOKEN)
    } finally {
      await container.stop()
    }
  })

  it("runs in demo mode with nothing mounted (docker run -p 8080:8080 vwh-proxy): the embedded sandbox, a printed key", async () => {
    const demoEnv = { ...env, PATH: imagePath(), HOME: rooted("/home/node"), PORT: String(await freePort()) }
    const container = await startContainer(demoEnv)
    try {
      const key = /VOUCHERIFY_MANAGEMENT_TOKEN=(vwhk_[\w-]+)/.exec(container.output())?.[1]
      expect(key, container.output()).toBeDefined()
      const listed = await run(bin(installed, "vwh"), ["webhooks", "list", "--project", "proj_sandbox"], {
        env: npmEnv({
          VOUCHERIFY_API_URL: `http://127.0.0.1:${demoEnv.PORT}`,
          VOUCHERIFY_MANAGEMENT_ID: "demo",
          VOUCHERIFY_MANAGEMENT_TOKEN: key
        })
      })
      // Authenticated with the printed key, answered by the embedded sandbox (empty: a fresh container).
      expect(listed).toMatchObject({ code: 0, stderr: expect.stringContaining("No webhooks in proj_sandbox") })
    } finally {
      await container.stop()
    }
  })
})
