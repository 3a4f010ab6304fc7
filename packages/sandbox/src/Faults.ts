import type { FaultSettings } from "./ControlApi.js"

export const noFaults: FaultSettings = { latencyMs: 0, errorRate: 0, dropRate: 0, malformedRate: 0 }

export type Fault = "drop" | "error" | "malformed" | "none"

/** One roll per request: drop wins over error, error over malformed (a dropped request answers nothing). */
export const pickFault = (f: FaultSettings, random: () => number = Math.random): Fault => {
  if (f.dropRate > 0 && random() < f.dropRate) return "drop"
  if (f.errorRate > 0 && random() < f.errorRate) return "error"
  if (f.malformedRate > 0 && random() < f.malformedRate) return "malformed"
  return "none"
}

/** A body that starts like JSON and stops: what a cut connection or a broken proxy hands a client. */
export const malformedBody = '{"object":"list","data_ref":"data","data":[{"id":"wh_'
