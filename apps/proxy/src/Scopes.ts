import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Access, Client } from "./ProxyConfig.js"

/** The client asked for something its scopes do not cover. */
export class ScopeDenied extends Schema.TaggedError<ScopeDenied>()("ScopeDenied", {
  message: Schema.String
}) {}

/** Passes when the client may `access` the project; otherwise names exactly what is not allowed. */
export const checkScope = (client: Client, access: Access, projectId: string): Effect.Effect<void, ScopeDenied> => {
  if (!client.access.includes(access)) {
    return Effect.fail(
      new ScopeDenied({
        message: `client ${client.id} may not ${access} project ${projectId} (it has ${client.access.join(" and ")} access only)`
      })
    )
  }
  if (client.projects !== "*" && !client.projects.includes(projectId)) {
    return Effect.fail(new ScopeDenied({ message: `client ${client.id} may not ${access} project ${projectId}` }))
  }
  return Effect.void
}
