/**
 * Several processes' metrics (Prometheus text format) as one: every sample gets a `worker` label, and each family's
 * HELP and TYPE come once, followed by the samples of every worker (the format wants a family's samples together).
 * Labelled, not summed: memory is per process, and `sum without (worker) (…)` gives the totals of the counters.
 */
export const mergeMetrics = (texts: ReadonlyArray<readonly [worker: string, text: string]>): string => {
  const families = new Map<string, { head: Array<string>; samples: Array<string> }>()
  const familyOf = (name: string) => {
    let family = families.get(name)
    if (family === undefined) {
      family = { head: [], samples: [] }
      families.set(name, family)
    }
    return family
  }
  for (const [worker, text] of texts) {
    let family: { head: Array<string>; samples: Array<string> } | undefined
    for (const line of text.split("\n")) {
      if (line === "") continue
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line)
      if (comment) {
        family = familyOf(comment[2]!)
        if (!family.head.some((h) => h.startsWith(`# ${comment[1]} `))) family.head.push(line)
        continue
      }
      const sample = /^([^\s{]+)(?:\{(.*)\})?(\s.*)$/.exec(line)
      if (!sample) continue
      const label = `worker="${worker}"`
      // A sample outside any HELP/TYPE (none today) is a family of its own.
      ;(family ?? familyOf(sample[1]!)).samples.push(
        `${sample[1]}{${sample[2] ? `${label},${sample[2]}` : label}}${sample[3]}`
      )
    }
  }
  return `${[...families.values()].flatMap((f) => [...f.head, ...f.samples]).join("\n")}\n`
}
