const { main } = await import("./Cli.js")
const t0 = performance.now()
process.on("exit", () => process.stderr.write(`run ${(performance.now() - t0).toFixed(0)}\n`))
main(process.argv)
