/**
 * Levenshtein distance between two strings, or `limit` as soon as it is certain to be at least that (the length
 * difference is a lower bound, and so is each row's minimum), so a long input costs little.
 */
export const editDistance = (a: string, b: string, limit: number): number => {
  if (Math.abs(a.length - b.length) >= limit) return limit
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (row[j]! < rowMin) rowMin = row[j]!
    }
    if (rowMin >= limit) return limit
    prev = row
  }
  return Math.min(prev[b.length]!, limit)
}

/**
 * The candidate a mistyped word most plausibly meant: the nearest within `maxDistance` edits (by default a
 * third of the word, at least one), or undefined.
 */
export const closest = <A extends string>(
  word: string,
  candidates: ReadonlyArray<A>,
  maxDistance = Math.max(1, Math.floor(word.length / 3))
): A | undefined => {
  let best: A | undefined
  let bestDistance = maxDistance + 1
  for (const candidate of candidates) {
    const d = editDistance(word, candidate, bestDistance)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** ` (did you mean "x"?)`, or nothing without a hint: the one wording of a suggestion. */
export const didYouMean = (hint: string | undefined): string => (hint === undefined ? "" : ` (did you mean "${hint}"?)`)
