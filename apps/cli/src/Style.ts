// Colour and terminal safety for everything vwh prints for people.

/**
 * Whether to colour what goes to a stream: FORCE_COLOR forces it (FORCE_COLOR=0 forbids), NO_COLOR forbids it
 * (https://no-color.org), and otherwise only a terminal that is not "dumb" gets colour.
 */
export const colourFor = (
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>> = process.env
): boolean => {
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== "0" && force !== "false"
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false
  return stream.isTTY === true && env.TERM !== "dumb"
}

export type Colour = "green" | "red" | "yellow" | "dim"

const codes: Record<Colour, readonly [number, number]> = {
  green: [32, 39],
  red: [31, 39],
  yellow: [33, 39],
  dim: [2, 22]
}

export const paint = (text: string, colour: Colour | undefined, on: boolean): string =>
  on && colour !== undefined ? `\u001b[${codes[colour][0]}m${text}\u001b[${codes[colour][1]}m` : text

// C0 controls but tab and newline, DEL, C1 controls, and the Unicode line separators and bidi overrides that
// reorder what a terminal shows.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Text from outside (a stored target_url, an upstream error message) made safe to print: control characters
 * become visible escapes (`\u001b`), so they cannot move the cursor, retitle the window or hide what follows.
 */
export const escapeControls = (text: string): string =>
  text.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
