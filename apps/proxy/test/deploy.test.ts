import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { cleanEnv, dir, root, runProxy } from "./built.js"
import { startFakeUpstream } from "./helpers.js"

// The deploy recipe of the README, read from the README and run: the systemd unit's command and environment and the
// Kubernetes ConfigMap with the Deployment's environment pass `check-config` on the built bin, with the secrets as
// files (*_FILE) where the recipe mounts them.

const readme = readFileSync(join(root, "README.md"), "utf8")
const block = (lang: string, after: string) => {
  const from = readme.indexOf(after)
  expect(from, after).toBeGreaterThan(-1)
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\`\`\``).exec(readme.slice(from))
  return m![1]!
}

type Fake = Awaited<ReturnType<typeof startFakeUpstream>>
let fake: Fake
beforeAll(async () => {
  fake = await startFakeUpstream(() => ({ status: 200, body: {} }))
})
afterAll(() => fake.close())

/** Writes the credentials the recipe reads from files; returns the directory. */
const secrets = (name: string) => {
  const at = join(dir, name)
  mkdirSync(at, { recursive: true })
  writeFileSync(join(at, "management-id"), "fake-upstream\n")
  writeFileSync(join(at, "management-token"), `${fake.token}\n`)
  return at
}

describe("the README's deploy recipe", () => {
  it("the systemd unit: its ExecStart and Environment (credentials from LoadCredential files) pass check-config", () => {
    const unit = block("ini", "**systemd**")
    const lines = unit.split("\n")
    const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1))
    const credentials = secrets("systemd-credentials")
    // LoadCredential=name:source → $CREDENTIALS_DIRECTORY/name, which %d names.
    expect(values("LoadCredential").map((c) => c.split(":")[0])).toEqual(["management-id", "management-token"])
    const env: Record<string, string> = {}
    for (const e of values("Environment")) {
      const [k, v] = e.split(/=(.*)/s) as [string, string]
      env[k] = v.replace("%d", credentials)
    }
    expect(Object.keys(env)).toContain("VOUCHERIFY_MANAGEMENT_TOKEN_FILE")
    const [exec] = values("ExecStart")
    const [bin, command, ...args] = exec!.split(" ")
    expect([bin, command]).toEqual(["/usr/local/bin/vwh-proxy", "serve"])
    const configPath = args[args.indexOf("--config") + 1]!
    expect(configPath).toBe("/etc/vwh-proxy/proxy.json")
    // The config the README pairs with it: the ConfigMap's, with the audit file in the StateDirectory (here: dir).
    const config = JSON.parse(kubernetes().configMap.data["proxy.json"])
    const file = join(dir, "systemd-proxy.json")
    writeFileSync(file, JSON.stringify({ ...config, audit: { path: join(dir, "systemd-audit.jsonl") } }))
    // The cluster is the unit's; the fake upstream stands in for it (VOUCHERIFY_API_URL wins over the cluster).
    const r = runProxy(
      ["check-config", ...args.map((a) => (a === configPath ? file : a))],
      cleanEnv({ ...env, VOUCHERIFY_API_URL: fake.url })
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`upstream: ${fake.url} (credentials from the environment)`)
    expect(r.stdout + r.stderr).not.toContain(fake.token)
    // Reload is SIGHUP; the stop timeout leaves room for the drain; a config error (exit 2) is not restarted.
    expect(values("ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"])
    expect(Number(values("TimeoutStopSec")[0]) * 1000).toBeGreaterThan(config.limits.shutdownGraceMs)
    expect(values("RestartPreventExitStatus")).toEqual(["2"])
  })

  it("Kubernetes: the ConfigMap with the Deployment's env and mounted Secret passes check-config; probes and grace period fit", () => {
    const { configMap, secret, deployment } = kubernetes()
    const pod = deployment.spec.template.spec
    const container = pod.containers[0]
    const mounts = Object.fromEntries(
      (container.volumeMounts as Array<{ name: string; mountPath: string }>).map((m) => [m.name, m.mountPath])
    )
    const volumes = Object.fromEntries(
      (pod.volumes as Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>).map(
        (v) => [v.name, v]
      )
    )
    // Where the config and the secret are mounted, as the container sees them.
    expect(volumes.config!.configMap!.name).toBe(configMap.metadata.name)
    expect(volumes.upstream!.secret!.secretName).toBe(secret.metadata.name)
    expect(Object.keys(secret.stringData)).toEqual(["management-id", "management-token"])
    const configDir = join(dir, "k8s-config")
    mkdirSync(configDir, { recursive: true })
    writeFileSync(join(configDir, "proxy.json"), configMap.data["proxy.json"])
    const secretDir = secrets("k8s-secret")
    const local = (p: string) => p.replace(mounts.config!, configDir).replace(mounts.upstream!, secretDir)
    const env = Object.fromEntries(
      (container.env as Array<{ name: string; value: string }>).map((e) => [e.name, local(String(e.value))])
    )
    const r = runProxy(
      (container.args as Array<string>).map((a) => (a === "serve" ? "check-config" : local(a))),
      cleanEnv({ ...env, VOUCHERIFY_API_URL: fake.url })
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain("clients:  ci-bot")
    expect(r.stdout + r.stderr).not.toContain(fake.token)

    const config = JSON.parse(configMap.data["proxy.json"])
    expect(container.livenessProbe.httpGet.path).toBe("/healthz")
    expect(container.readinessProbe.httpGet.path).toBe("/readyz")
    expect(config.host).toBe("0.0.0.0")
    expect(container.ports[0].containerPort).toBe(config.port)
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.limits.shutdownGraceMs + preStop * 1000)
  })
})

interface Manifest {
  kind: string
  metadata: { name: string }
  // biome-ignore lint/suspicious/noExplicitAny: a parsed manifest, read field by field
  [field: string]: any
}

const kubernetes = () => {
  const docs = parseAllDocuments(block("yaml", "**Kubernetes**")).map((d) => d.toJS() as Manifest)
  const find = (kind: string) => docs.find((d) => d.kind === kind)!
  return { configMap: find("ConfigMap"), secret: find("Secret"), deployment: find("Deployment") }
}
