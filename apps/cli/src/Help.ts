import * as HelpDoc from "@effect/cli/HelpDoc"

/** A command's help: what it does, then examples (shown by `--help`). */
export const describe = (summary: string, examples: ReadonlyArray<string>, notes: ReadonlyArray<string> = []) =>
  HelpDoc.blocks([
    HelpDoc.p(summary),
    ...notes.map((n) => HelpDoc.p(n)),
    HelpDoc.h2("EXAMPLES"),
    ...examples.map((e) => HelpDoc.p(`  $ ${e}`))
  ])
