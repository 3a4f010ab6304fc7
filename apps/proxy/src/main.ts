import { check, version } from "./CommandLine.js"

// The vwh-proxy bin. Help, the version and usage errors are answered from the command line alone; anything else
// loads the Effect program (Program.ts), which loads only the chosen command's implementation.
const checked = check(process.argv.slice(2))
switch (checked._tag) {
  case "Help":
    process.stdout.write(checked.text)
    break
  case "Version":
    process.stdout.write(`${version}\n`)
    break
  case "Invalid":
    process.stderr.write(`vwh-proxy: ${checked.message}\n`)
    process.exitCode = 2
    break
  case "Run":
    // The server's modules load while the command line is parsed (it needs them next).
    if (checked.command === "serve") void import("./Serve.js")
    import("./Program.js").then((program) => program.main(checked))
}
