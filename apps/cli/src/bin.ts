import { readFileSync } from "node:fs"
import { loadCli } from "./CodeCache.js"
import { answerWithoutCli } from "./Start.js"

// dist/vwh.js: the answers that need no CLI are given without loading it (dist/cli.cjs).
if (!answerWithoutCli(() => readFileSync(new URL("./help.json", import.meta.url), "utf8"))) loadCli().main(process.argv)
