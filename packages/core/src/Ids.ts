import * as Schema from "effect/Schema"

/** The longest id accepted (the servers' routers accept longer path segments, so this rule decides: 400). */
export const maxIdLength = 200

// Ids travel as URL path segments: reject what could escape or empty the segment. The length is checked first and
// a control character is never echoed (it would reach a terminal as is).
const segment = (what: string, example: string) =>
  Schema.String.annotations({ message: () => `${what} must be a string` }).pipe(
    Schema.filter((s) => {
      if (s.length > maxIdLength) return `${what} is too long (${s.length} characters, at most ${maxIdLength})`
      if (s.trim().length === 0) return `${what} must not be empty (e.g. ${example})`
      if (/\p{Cc}|\p{Cf}/u.test(s)) return `${what} must not contain control characters`
      if (s !== s.trim()) return `${what} must not start or end with whitespace: "${s}"`
      if (/\s/.test(s)) return `${what} must not contain whitespace: "${s}"`
      if (s.includes("/")) return `${what} must not contain "/": "${s}"`
      if (s === "." || s === "..") return `${what} must not be "${s}": it would change the URL path`
      return true
    })
  )

/** A Voucherify project id, e.g. `proj_TrlkLiH4`. */
export const ProjectId = segment("project id", "proj_TrlkLiH4").pipe(Schema.brand("ProjectId")).annotations({
  identifier: "ProjectId"
})
export type ProjectId = typeof ProjectId.Type

/** A webhook id, e.g. `wh_Fk1HzL9lqC1lpuIFxp3TShB4`. */
export const WebhookId = segment("webhook id", "wh_Fk1HzL9lqC1lpuIFxp3TShB4")
  .pipe(Schema.brand("WebhookId"))
  .annotations({ identifier: "WebhookId" })
export type WebhookId = typeof WebhookId.Type

/**
 * Ids as Voucherify mints them, the rules the sandbox holds its own ids to: `wh_` and 24 letters or digits; `proj_`
 * and letters, digits or `_`, at most 64 characters in all. (Clients accept any id {@link ProjectId} takes: ids
 * minted otherwise are Voucherify's business, not a client's.)
 */
export const webhookIdPattern = /^wh_[A-Za-z0-9]{24}$/
export const projectIdPattern = /^(?=.{6,64}$)proj_[A-Za-z0-9_]+$/

/** A path segment, always percent-encoded. */
export const pathSegment = (id: string): string => encodeURIComponent(id)
