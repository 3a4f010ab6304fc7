import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import { describe, expect, it } from "vitest"
import { AccessLog } from "../src/AccessLog.js"

const record = {
  request_id: "v-0123456789abcdef01",
  method: "GET",
  path: "/management/v1/projects/proj_a/webhooks",
  operation: "list",
  status: 200,
  duration_ms: 1.5
}

const writtenAt = (level: LogLevel.LogLevel) => {
  const lines: Array<string> = []
  const access = Effect.runSync(
    AccessLog.make((line) => void lines.push(line)).pipe(Effect.locally(FiberRef.currentMinimumLogLevel, level))
  )
  access.write(record)
  return lines
}

describe("AccessLog", () => {
  it("writes an INFO line in the shape of the other log lines when LOG_LEVEL lets info through", () => {
    for (const level of [LogLevel.Debug, LogLevel.Info]) {
      const lines = writtenAt(level)
      expect(lines).toHaveLength(1)
      const parsed = JSON.parse(lines[0]!)
      expect(parsed).toMatchObject({ message: "request", logLevel: "INFO", annotations: record })
      expect(Number.isNaN(Date.parse(parsed.timestamp))).toBe(false)
    }
  })

  it("writes nothing when LOG_LEVEL is above info", () => {
    for (const level of [LogLevel.Warning, LogLevel.Error, LogLevel.None]) expect(writtenAt(level)).toEqual([])
  })
})
