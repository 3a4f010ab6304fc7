import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { makeDeduplicator, memoryStore, storeFromPromises } from "../src/DeliveryDedupe.js"

describe("memoryStore", () => {
  it.effect("claims an id once: claimed, then in-progress, then done after complete", () =>
    Effect.gen(function* () {
      const store = memoryStore()
      expect(yield* store.claim("whs_1")).toBe("claimed")
      expect(yield* store.claim("whs_1")).toBe("in-progress")
      yield* store.complete("whs_1")
      expect(yield* store.claim("whs_1")).toBe("done")
      // release forgets a claim, never a handled id.
      yield* store.release("whs_1")
      expect(yield* store.claim("whs_1")).toBe("done")
      expect(yield* store.claim("whs_2")).toBe("claimed")
      yield* store.release("whs_2")
      expect(yield* store.claim("whs_2")).toBe("claimed")
    })
  )

  it.effect("is bounded: past its capacity the least recently seen id is forgotten", () =>
    Effect.gen(function* () {
      const store = memoryStore({ capacity: 3 })
      for (const id of ["a", "b", "c"]) {
        yield* store.claim(id)
        yield* store.complete(id)
      }
      expect(yield* store.claim("a")).toBe("done") // a is now the most recent
      yield* store.claim("d") // evicts b, the least recent
      expect(yield* store.claim("b")).toBe("claimed")
      expect(yield* store.claim("a")).toBe("done")
      // 100 000 ids later the store still answers for the newest ones only.
      for (let i = 0; i < 100_000; i++) yield* store.claim(`x${i}`)
      expect(yield* store.claim("x99999")).toBe("in-progress")
      expect(yield* store.claim("a")).toBe("claimed")
    })
  )

  it.effect("forgets a handled id after doneTtlMs and an abandoned claim after inProgressTtlMs", () =>
    Effect.gen(function* () {
      let now = 1_000
      const store = memoryStore({ doneTtlMs: 500, inProgressTtlMs: 100, now: () => now })
      yield* store.claim("handled")
      yield* store.complete("handled")
      yield* store.claim("stuck")
      now += 99
      expect(yield* store.claim("stuck")).toBe("in-progress")
      now += 101
      expect(yield* store.claim("stuck")).toBe("claimed")
      expect(yield* store.claim("handled")).toBe("done")
      now += 600
      expect(yield* store.claim("handled")).toBe("claimed")
    })
  )
})

describe("makeDeduplicator", () => {
  it.effect("handles a delivery id once; a replay is a Duplicate", () =>
    Effect.gen(function* () {
      const dedupe = makeDeduplicator()
      let runs = 0
      const handle = Effect.sync(() => ++runs)
      expect(yield* dedupe.once("whs_1", handle)).toEqual({ _tag: "Handled", value: 1 })
      expect(yield* dedupe.once("whs_1", handle)).toEqual({ _tag: "Duplicate" })
      expect(yield* dedupe.once("whs_2", handle)).toEqual({ _tag: "Handled", value: 2 })
      expect(runs).toBe(2)
    })
  )

  it.effect("a failed handling is released, so the retry is handled", () =>
    Effect.gen(function* () {
      const dedupe = makeDeduplicator()
      const error = yield* Effect.flip(dedupe.once("whs_1", Effect.fail("db down" as const)))
      expect(error).toBe("db down")
      expect(yield* dedupe.once("whs_1", Effect.succeed("ok"))).toEqual({ _tag: "Handled", value: "ok" })
    })
  )

  it.live("a copy arriving while the first is handled is InProgress; an interrupted handling is released", () =>
    Effect.gen(function* () {
      const dedupe = makeDeduplicator()
      const gate = yield* Deferred.make<void>()
      const first = yield* Effect.fork(dedupe.once("whs_1", Deferred.await(gate)))
      yield* Effect.sleep("10 millis")
      expect(yield* dedupe.once("whs_1", Effect.void)).toEqual({ _tag: "InProgress" })
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toEqual({ _tag: "Handled", value: undefined })

      const hanging = yield* Effect.fork(dedupe.once("whs_2", Effect.never))
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(hanging)
      expect(yield* dedupe.once("whs_2", Effect.succeed(1))).toEqual({ _tag: "Handled", value: 1 })
    })
  )

  it.effect("a failing store is a typed DeliveryStoreError before handling; after handling it is only logged", () =>
    Effect.gen(function* () {
      let ran = 0
      const down = makeDeduplicator(
        storeFromPromises({
          claim: () => Promise.reject(new Error("ECONNREFUSED")),
          complete: () => Promise.resolve(),
          release: () => Promise.resolve()
        })
      )
      const error = yield* Effect.flip(
        down.once(
          "whs_1",
          Effect.sync(() => ran++)
        )
      )
      expect(error).toMatchObject({ _tag: "DeliveryStoreError", message: "the delivery store failed to claim whs_1" })
      expect(ran).toBe(0)

      const forgetful = makeDeduplicator(
        storeFromPromises({
          claim: () => Promise.resolve("claimed" as const),
          complete: () => Promise.reject(new Error("READONLY")),
          release: () => Promise.resolve()
        })
      )
      expect(yield* forgetful.once("whs_1", Effect.succeed("ok"))).toEqual({ _tag: "Handled", value: "ok" })
    })
  )
})
