import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { UsageError } from "./CliErrors.js"

/** `--port` and `--host` for the commands that listen (listen, sandbox): one definition, one range check. */
export const bindOptions = (defaultPort: number) => ({
  port: Options.integer("port").pipe(
    Options.withDefault(defaultPort),
    Options.withDescription("port; 0 picks a free one")
  ),
  host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
})

export const checkPort = (port: number): Effect.Effect<void, UsageError> =>
  port < 0 || port > 65535 ? Effect.fail(new UsageError({ message: `--port ${port}: use 0 to 65535` })) : Effect.void
