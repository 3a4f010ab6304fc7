// What a registry would receive: each tarball's files and manifest, read from the packed .tgz itself.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { builtinModules } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, inject, it } from "vitest"
import { publicPackages, repoRoot } from "./helpers.js"

const installed = inject("installed")

const workspaceDir: Record<string, string> = {
  "@voucherify-webhooks/core": "packages/core",
  "@voucherify-webhooks/sandbox": "packages/sandbox",
  "@voucherify-webhooks/cli": "apps/cli",
  "@voucherify-webhooks/proxy": "apps/proxy"
}

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")

// The API description beside the checkout (never part of the project): no file of it may ship.
const sharedDir = join(repoRoot, "..", "shared", "voucherify")
const sharedFiles = existsSync(sharedDir)
  ? readdirSync(sharedDir).filter((f) => statSync(join(sharedDir, f)).isFile())
  : ["API.md", "events.txt", "management.openapi.json", "events.openapi.json"]
const sharedHashes = new Set(existsSync(sharedDir) ? sharedFiles.map((f) => sha(readFileSync(join(sharedDir, f)))) : [])

/** Every path a manifest points at (exports targets, bin, main, types). */
const targets = (manifest: Record<string, unknown>): Array<string> => {
  const out: Array<string> = []
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v)
    else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) walk(x)
  }
  walk(manifest.exports)
  walk(manifest.bin)
  walk(manifest.main)
  walk(manifest.types)
  return out
}

/** The package a bare specifier names (`effect/Schema` → `effect`, `@effect/platform/HttpApi` → `@effect/platform`). */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/")

/** Every module specifier a published JavaScript file loads: static imports and re-exports, import(), require(). */
const specifiers = (source: string): Array<string> => [
  ...[...source.matchAll(/(?<![\w$."'])(?:from|import)\s*(["'])([\w@./:-]+)\1/g)].map((m) => m[2]!),
  ...[...source.matchAll(/(?<![\w$."'])(?:import|require)\s*\(\s*(["'])([\w@./:-]+)\1\s*\)/g)].map((m) => m[2]!)
]

// ws (inside @effect/platform-node) requires these native speed-ups inside try/catch and works without them.
const optionalNative = new Set(["bufferutil", "utf-8-validate"])

describe.each(publicPackages)("the tarball of %s", (name) => {
  const files = installed.files[name] ?? []
  const manifest = installed.manifests[name] ?? {}

  it("holds no tests, no source, no source maps, nothing from ../shared", () => {
    expect(files.length).toBeGreaterThan(0)
    expect(files.filter((f) => /(^|\/)(test|tests|__tests__|src|scripts|examples)\//.test(f))).toEqual([])
    expect(files.filter((f) => /\.(test|spec)\.[cm]?[jt]s$/.test(f))).toEqual([])
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([])
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([])
    expect(files.filter((f) => /(^|\/)(tsconfig[^/]*|vitest\.config\.[jt]s|build\.mjs|\.turbo)$/.test(f))).toEqual([])
    const base = (f: string) => f.slice(f.lastIndexOf("/") + 1)
    expect(files.filter((f) => sharedFiles.includes(base(f)))).toEqual([])
  })

  it("has no file identical to one in ../shared (checked when it is beside the checkout)", () => {
    if (sharedHashes.size === 0) {
      console.warn("../shared/voucherify is absent: only file names were checked against it")
      return
    }
    // npm unpacked the tarball byte for byte into the consumer's node_modules.
    for (const file of files) {
      const bytes = readFileSync(join(installed.app, "node_modules", name, file))
      expect(sharedHashes.has(sha(bytes)), file).toBe(false)
    }
  })

  it("loads at run time only Node's own modules and the dependencies it declares (the rest is bundled)", () => {
    const declared = new Set(
      ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((k) =>
        Object.keys((manifest[k] as Record<string, string> | undefined) ?? {})
      )
    )
    const scripts = files.filter((f) => /\.[cm]?js$/.test(f))
    expect(scripts.length).toBeGreaterThan(0)
    const undeclared = new Set<string>()
    for (const file of scripts) {
      for (const specifier of specifiers(readFileSync(join(installed.app, "node_modules", name, file), "utf8"))) {
        if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue
        const dependency = packageOf(specifier)
        if (!declared.has(dependency) && !optionalNative.has(dependency)) undeclared.add(`${file}: ${specifier}`)
      }
    }
    // A runtime dependency left out of a bundle (an esbuild external, a new client library) would fail only on the
    // code path that loads it, in a user's install: name it here instead.
    expect([...undeclared]).toEqual([])
  })

  it("ships a README, the licence and a changelog", () => {
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE", "CHANGELOG.md"]))
  })

  it("has a manifest a registry accepts: public, licensed, versioned, with every workspace reference resolved", () => {
    const text = JSON.stringify(manifest)
    expect(text).not.toMatch(/workspace:|catalog:/)
    expect(manifest.private).toBeUndefined()
    expect(manifest.name).toBe(name)
    expect(manifest.license).toBe("MIT")
    expect(manifest.engines).toEqual({ node: ">=20" })
    expect(manifest.repository).toEqual({
      type: "git",
      url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/),
      directory: workspaceDir[name]
    })
    expect(Array.isArray(manifest.keywords) && manifest.keywords.length > 0).toBe(true)
    expect(typeof manifest.description).toBe("string")
    // The one version: what the workspace's package.json says.
    const own = JSON.parse(readFileSync(join(repoRoot, workspaceDir[name]!, "package.json"), "utf8"))
    expect(manifest.version).toBe(own.version)
  })

  it("points only at files it contains (exports, bin)", () => {
    const paths = targets(manifest).map((t) => t.replace(/^\.\//, ""))
    expect(paths.length).toBeGreaterThan(0)
    for (const path of paths) {
      if (path.includes("*")) {
        const pattern = new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace("*", "[^/]+")}$`)
        expect(
          files.some((f) => pattern.test(f)),
          path
        ).toBe(true)
      } else expect(files, path).toContain(path)
    }
  })

  it("has a README that reads on a registry page: no links relative to the repository", () => {
    const readme = readFileSync(join(repoRoot, workspaceDir[name]!, "README.md"), "utf8")
    const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((m) => m[1])
    expect(relative).toEqual([])
  })
})

describe("the published manifests", () => {
  it("core: ESM + .d.ts from dist, effect and @effect/platform as peers", () => {
    const core = installed.manifests["@voucherify-webhooks/core"]!
    expect(core.type).toBe("module")
    expect(core.exports).toEqual({
      "./package.json": "./package.json",
      "./*": { types: "./dist/*.d.ts", default: "./dist/*.js" }
    })
    expect(core.peerDependencies).toEqual({ effect: expect.any(String), "@effect/platform": expect.any(String) })
    expect(core.dependencies).toBeUndefined()
    const files = installed.files["@voucherify-webhooks/core"]!
    for (const module of ["Webhooks", "Signature", "TypedDelivery", "ReceiveNode", "Version"]) {
      expect(files).toEqual(expect.arrayContaining([`dist/${module}.js`, `dist/${module}.d.ts`]))
    }
  })

  it("cli: the bin and nothing to install besides it", () => {
    const cli = installed.manifests["@voucherify-webhooks/cli"]!
    expect(cli.bin).toEqual({ vwh: "./dist/vwh.js" })
    expect(cli.dependencies).toBeUndefined()
    expect(cli.peerDependencies).toBeUndefined()
    expect(cli.optionalDependencies).toBeUndefined()
    expect(installed.files["@voucherify-webhooks/cli"]).toEqual(
      expect.arrayContaining([
        "dist/vwh.js",
        "dist/cli.cjs",
        "dist/cli.cjs.cache",
        "dist/sandbox.cjs",
        "dist/help.json"
      ])
    )
  })

  it("sandbox: a library entry (promises, the Effect layer, the control API client, the test kit) and a bin", () => {
    const sandbox = installed.manifests["@voucherify-webhooks/sandbox"]!
    expect(sandbox.bin).toEqual({ "vwh-sandbox": "./dist/main.js" })
    expect(Object.keys(sandbox.exports as object)).toEqual([
      ".",
      "./Sandbox",
      "./ControlClient",
      "./testing",
      "./package.json"
    ])
    expect(sandbox.dependencies).toEqual({ "@voucherify-webhooks/core": expect.stringMatching(/^\^\d/) })
    expect(Object.keys(sandbox.peerDependencies as object).sort()).toEqual(["@effect/platform", "effect"])
  })

  it("proxy: the bin with its example config, nothing to install besides it", () => {
    const proxy = installed.manifests["@voucherify-webhooks/proxy"]!
    expect(proxy.bin).toEqual({ "vwh-proxy": "./dist/main.js" })
    expect(proxy.exports).toEqual({ "./package.json": "./package.json" })
    expect(proxy.dependencies).toBeUndefined()
    expect(proxy.peerDependencies).toBeUndefined()
    const files = installed.files["@voucherify-webhooks/proxy"]!
    expect(files).toEqual(expect.arrayContaining(["dist/main.js", "proxy.example.json", "README.md"]))
    // The server is a chunk loaded on demand; every chunk the bundle imports is in the package.
    const chunks = files.filter((f) => f.startsWith("dist/chunks/"))
    expect(chunks.length).toBeGreaterThan(0)
    const dist = join(installed.app, "node_modules", "@voucherify-webhooks", "proxy", "dist")
    for (const file of ["main.js", ...chunks.map((c) => c.slice("dist/".length))]) {
      const source = readFileSync(join(dist, file), "utf8")
      for (const [, target] of source.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
        const path = join(dirname(join("dist", file)), target!)
        expect(files, `${file} imports ${target}`).toContain(path)
      }
    }
  })

  it("changesets versions exactly the public packages, together", () => {
    const config = JSON.parse(readFileSync(join(repoRoot, ".changeset", "config.json"), "utf8"))
    expect(config.fixed).toHaveLength(1)
    expect([...config.fixed[0]].sort()).toEqual([...publicPackages].sort())
  })

  it.each(["@voucherify-webhooks/cli", "@voucherify-webhooks/sandbox", "@voucherify-webhooks/proxy"])(
    "%s carries the licences of the packages bundled into it",
    (name) => {
      expect(installed.files[name]).toContain("dist/THIRD_PARTY_LICENSES.md")
      const notices = readFileSync(join(installed.app, "node_modules", name, "dist", "THIRD_PARTY_LICENSES.md"), "utf8")
      const sections = notices.split(/^## /m).slice(1)
      expect(sections.map((s) => s.slice(0, s.indexOf(" ")))).toEqual(
        expect.arrayContaining([expect.stringMatching(/^effect@3\./), expect.stringMatching(/^@effect\/platform@/)])
      )
      // Each with its licence text (MIT and ISC require the notice itself).
      for (const section of sections) expect(section, section.slice(0, 60)).toMatch(/Permission|Copyright/i)
    }
  )

  it("all public packages share one version", () => {
    const versions = new Set(publicPackages.map((p) => installed.manifests[p]?.version))
    expect(versions.size).toBe(1)
  })
})
