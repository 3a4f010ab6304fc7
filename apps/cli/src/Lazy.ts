import * as Effect from "effect/Effect"

/**
 * Loads a module only when its command runs: `vwh --help` and the commands that do not need it then skip its
 * evaluation (esbuild inlines the module behind a lazy initialiser).
 */
export const lazy = <M, A, E, R>(load: () => Promise<M>, run: (module: M) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.promise(load), run)
