import { main } from "./Cli.js"

main(process.argv)
