import * as readline from "node:readline"
import * as Effect from "effect/Effect"
import { Aborted } from "./CliErrors.js"
import { human } from "./Output.js"

/** Both ends are a terminal, so a question can be asked and answered. */
export const interactive = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true

/**
 * Asks a yes/no question on the terminal (on stderr, so stdout stays the command's result). Yes only for y/yes;
 * Ctrl-D or anything else is no; Ctrl-C fails with Aborted (exit 130). Nothing may be changed before the answer.
 */
export const confirm = (question: string): Effect.Effect<boolean, Aborted> =>
  Effect.async<boolean, Aborted>((resume) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    let done = false
    const finish = (result: Effect.Effect<boolean, Aborted>) => {
      if (done) return
      done = true
      rl.close()
      resume(result)
    }
    // In raw mode Ctrl-C reaches readline, not the process: it is this question's answer.
    rl.on("SIGINT", () => {
      process.stderr.write("\n")
      finish(Effect.fail(new Aborted({ message: "aborted; nothing was changed" })))
    })
    rl.on("close", () => finish(Effect.succeed(false)))
    rl.question(`${human(question)} [y/N] `, (answer) => finish(Effect.succeed(/^y(es)?$/i.test(answer.trim()))))
    return Effect.sync(() => {
      done = true
      rl.close()
    })
  })
