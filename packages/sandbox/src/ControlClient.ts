import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { SandboxApi } from "./ControlApi.js"

/** Where a sandbox listens and the management credentials it takes (`vwh sandbox` prints them). */
export interface ControlTarget {
  /** e.g. `http://127.0.0.1:4010`: the sandbox itself, not a proxy in front of it. */
  readonly url: string
  readonly managementId: string
  readonly managementToken: Redacted.Redacted<string> | string
}

/**
 * A typed client of a running sandbox's control API (`/sandbox/…`), built from the same definition as its server
 * (ControlApi.ts): `client.raiseEvent({ payload })`, `client.deliveries({ urlParams: { id } })`, … Its errors are
 * Voucherify's error objects (`ApiNotFound` with `resource_type: "project"`, `ApiBadRequest`, `ApiUnauthorized`).
 * Bring the HttpClient: `NodeHttpClient.layer` reaches any port (fetch refuses some, e.g. 6000).
 */
export const makeControlClient = (target: ControlTarget) =>
  Effect.flatMap(HttpClient.HttpClient, (httpClient) =>
    HttpApiClient.group(SandboxApi, {
      group: "control",
      baseUrl: target.url,
      httpClient: HttpClient.mapRequest(
        httpClient,
        HttpClientRequest.setHeaders({
          "x-management-id": target.managementId,
          "x-management-token":
            typeof target.managementToken === "string" ? target.managementToken : Redacted.value(target.managementToken)
        })
      )
    })
  )

export type ControlClient = Effect.Effect.Success<ReturnType<typeof makeControlClient>>
