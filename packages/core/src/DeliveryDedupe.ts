import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/*
 * Voucherify delivers at least once: a delivery whose 2xx it did not get in time (10 s) is sent again, with the
 * same `id`, up to 12 times over ~2.5 days (Voucherify's webhook documentation, https://docs.voucherify.io/api-reference/introduction-to-webhooks). A Deduplicator handles each delivery id once.
 */

/** What a store knew of a delivery id when it was claimed. */
export type ClaimResult = "claimed" | "in-progress" | "done"

/** A store failed (a database down): the delivery is not handled, so the receiver answers 5xx and Voucherify retries. */
export class DeliveryStoreError extends Schema.TaggedError<DeliveryStoreError>()("DeliveryStoreError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * Where handled delivery ids are kept. `claim` must be atomic (one caller wins: Redis `SET key v NX`, an SQL
 * insert on a unique key), and an in-progress claim should expire, so that a crash mid-handling does not block
 * Voucherify's retries for good.
 */
export interface DeliveryStore {
  /** Marks the id in progress unless the store knows it; answers what it was ("claimed" when it was new). */
  readonly claim: (id: string) => Effect.Effect<ClaimResult, DeliveryStoreError>
  /** The delivery was handled: later copies are duplicates. */
  readonly complete: (id: string) => Effect.Effect<void, DeliveryStoreError>
  /** Handling failed: forget the claim so that the retry is handled. */
  readonly release: (id: string) => Effect.Effect<void, DeliveryStoreError>
}

export interface MemoryStoreOptions {
  /** Ids remembered, least recently seen dropped first. Default 10 000. */
  readonly capacity?: number
  /** How long a handled id is remembered, in ms. Default 72 h (Voucherify's retries span ~58 h). */
  readonly doneTtlMs?: number
  /** After this long, in ms, an unfinished claim counts as abandoned and the id can be claimed again. Default 60 s. */
  readonly inProgressTtlMs?: number
  /** The clock, for tests. */
  readonly now?: () => number
}

/**
 * A bounded in-memory store (an LRU over a Map): fine for one process; use a shared store (Redis, SQL) when
 * several instances receive. Never fails.
 */
export const memoryStore = (options: MemoryStoreOptions = {}): DeliveryStore => {
  const capacity = Math.max(1, options.capacity ?? 10_000)
  const doneTtl = options.doneTtlMs ?? 72 * 3_600_000
  const inProgressTtl = options.inProgressTtlMs ?? 60_000
  const now = options.now ?? Date.now
  // Insertion order is recency: re-inserting moves an id to the end, so the first key is the least recent.
  const entries = new Map<string, { state: "in-progress" | "done"; until: number }>()
  const put = (id: string, state: "in-progress" | "done") => {
    entries.delete(id)
    entries.set(id, { state, until: now() + (state === "done" ? doneTtl : inProgressTtl) })
    while (entries.size > capacity) {
      const oldest = entries.keys().next().value
      if (oldest === undefined) break
      entries.delete(oldest)
    }
  }
  return {
    claim: (id) =>
      Effect.sync(() => {
        const entry = entries.get(id)
        if (entry !== undefined && entry.until > now()) {
          put(id, entry.state) // seen again: most recent now
          return entry.state
        }
        put(id, "in-progress")
        return "claimed"
      }),
    complete: (id) => Effect.sync(() => put(id, "done")),
    release: (id) =>
      Effect.sync(() => {
        if (entries.get(id)?.state === "in-progress") entries.delete(id)
      })
  }
}

/** A store over Promise-returning functions (a Redis or SQL client), for code outside Effect. */
export const storeFromPromises = (store: {
  readonly claim: (id: string) => PromiseLike<ClaimResult>
  readonly complete: (id: string) => PromiseLike<void>
  readonly release: (id: string) => PromiseLike<void>
}): DeliveryStore => {
  const lift =
    <A>(what: string, f: (id: string) => PromiseLike<A>) =>
    (id: string) =>
      Effect.tryPromise({
        try: () => Promise.resolve(f(id)),
        catch: (cause) => new DeliveryStoreError({ message: `the delivery store failed to ${what} ${id}`, cause })
      })
  return {
    claim: lift("claim", store.claim),
    complete: lift("complete", store.complete),
    release: lift("release", store.release)
  }
}

/** What became of a delivery handed to {@link Deduplicator.once}. */
export type Dedupe<A> =
  | { readonly _tag: "Handled"; readonly value: A }
  /** Handled before: acknowledge it (2xx) and do nothing. */
  | { readonly _tag: "Duplicate" }
  /** Another copy is being handled right now: answer non-2xx so Voucherify retries later. */
  | { readonly _tag: "InProgress" }

export interface Deduplicator {
  /**
   * Runs `handle` unless the delivery id was handled (Duplicate) or is being handled (InProgress). When
   * `handle` fails or is interrupted the claim is released, so Voucherify's retry is handled; when it succeeds
   * the id is remembered. A store that cannot record success is logged, not failed: the delivery *was* handled.
   */
  readonly once: <A, E, R>(
    id: string,
    handle: Effect.Effect<A, E, R>
  ) => Effect.Effect<Dedupe<A>, E | DeliveryStoreError, R>
  readonly store: DeliveryStore
}

/** A de-duplicator of deliveries by `id`, over an in-memory LRU unless given another store. */
export const makeDeduplicator = (store: DeliveryStore = memoryStore()): Deduplicator => ({
  store,
  once: <A, E, R>(id: string, handle: Effect.Effect<A, E, R>) =>
    Effect.flatMap(
      store.claim(id),
      (state): Effect.Effect<Dedupe<A>, E | DeliveryStoreError, R> =>
        state === "done"
          ? Effect.succeed({ _tag: "Duplicate" })
          : state === "in-progress"
            ? Effect.succeed({ _tag: "InProgress" })
            : Effect.uninterruptibleMask((restore) =>
                restore(handle).pipe(
                  Effect.onError(() =>
                    store
                      .release(id)
                      .pipe(
                        Effect.catchAll((e) =>
                          Effect.logWarning(`${e.message}; its retries wait for the claim to expire`)
                        )
                      )
                  ),
                  Effect.tap(() =>
                    store
                      .complete(id)
                      .pipe(
                        Effect.catchAll((e) => Effect.logWarning(`${e.message}; a retry of it would be handled again`))
                      )
                  ),
                  Effect.map((value) => ({ _tag: "Handled", value }) as const)
                )
              )
    )
})
