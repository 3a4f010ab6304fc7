import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as CoreConfig from "@voucherify-webhooks/core/Config"
import { Webhooks } from "@voucherify-webhooks/core/Webhooks"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { examples } from "./Contract.js"

/** The real core client, pointed at `baseUrl`, with no retries: each interaction is exactly one request. */
export const clientLayer = (baseUrl: string) =>
  Webhooks.Default.pipe(
    Layer.provide(
      CoreConfig.layer({
        baseUrl,
        credentials: Option.some({
          managementId: examples.managementId,
          managementToken: Redacted.make(examples.managementToken)
        }),
        maxRetries: 0,
        timeout: Duration.seconds(10)
      })
    ),
    Layer.provide(FetchHttpClient.layer)
  )

/** Runs one operation of the client against `baseUrl`, giving its typed success or failure. */
export const callWith = <A, E>(
  baseUrl: string,
  operation: (webhooks: Webhooks) => Effect.Effect<A, E>
): Promise<Either.Either<A, E>> =>
  Effect.runPromise(Effect.either(Effect.flatMap(Webhooks, operation)).pipe(Effect.provide(clientLayer(baseUrl))))
