// The licences of what a bundle carries: the bundled runnables (vwh, vwh-sandbox, vwh-proxy) include effect and
// other MIT/ISC packages, whose licences ask that their notice travel with every copy. Reads the source maps esbuild
// wrote beside the bundles (their `sources` name every file bundled), finds each package under node_modules and
// writes one file with each package's name, version, licence and licence text.
// Usage: node ../../scripts/notices.mjs <out.md> <bundle.js.map> […]   (or import { writeNotices })
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/** Package directories under node_modules that the given source paths come from. */
const packageDirs = (sources) => {
  const dirs = new Set()
  for (const source of sources) {
    const path = source.replaceAll("\\", "/")
    const at = path.lastIndexOf("/node_modules/")
    if (at === -1) continue
    const rest = path.slice(at + "/node_modules/".length).split("/")
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]
    dirs.add(`${path.slice(0, at)}/node_modules/${name}`)
  }
  return [...dirs]
}

const licenceText = (dir) => {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i.test(f))
  return file === undefined ? undefined : readFileSync(join(dir, file), "utf8").trim()
}

/** Writes `out` listing every package bundled from the given source files (absolute paths). */
export const writeNotices = (out, sources, about) => {
  const packages = packageDirs(sources)
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
      const license = typeof pkg.license === "string" ? pkg.license : (pkg.license?.type ?? "UNKNOWN")
      return { name: pkg.name, version: pkg.version, license, text: licenceText(dir) }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
  const lines = [
    "# Third-party licences",
    "",
    `${about} bundles the following packages; each is distributed under its own licence, reproduced below.`,
    ""
  ]
  for (const p of packages) {
    lines.push(`## ${p.name}@${p.version} (${p.license})`, "")
    lines.push(p.text === undefined ? `The package ships no licence file; its package.json says ${p.license}.` : p.text)
    lines.push("")
  }
  writeFileSync(out, `${lines.join("\n")}`)
  return packages
}

/** Every bundled source named by the source maps, as absolute paths. */
export const sourcesOfMaps = (maps) =>
  maps.flatMap((map) => {
    const { sources, sourceRoot = "" } = JSON.parse(readFileSync(map, "utf8"))
    return sources.map((s) => resolve(dirname(map), sourceRoot, s))
  })

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, ...maps] = process.argv.slice(2)
  if (out === undefined || maps.length === 0 || !maps.every((m) => existsSync(m))) {
    console.error("usage: notices.mjs <out.md> <bundle.js.map> […]")
    process.exit(2)
  }
  writeNotices(out, sourcesOfMaps(maps), "This package")
}
