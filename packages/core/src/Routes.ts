import { pathSegment } from "./Ids.js"

/**
 * The route table: Voucherify's five webhook endpoints, once. `WebhooksApi` (Api.ts) declares its endpoints from
 * these rows, and everything else that needs a method or a path reads them here: the client (Webhooks.ts), the
 * 404/405 middleware (ServerErrors.ts), the proxy's metric labels and the sandbox's gate. The table is plain data
 * so that a client does not load the HttpApi definition (the CLI's start-up budget); a test checks that
 * `HttpApi.reflect(WebhooksApi)` gives back exactly these rows.
 */
/** What every Management API path starts with (known or not: the sandbox rate-limits and counts them all). */
export const managementPrefix = "/management/"

const collection = "/management/v1/projects/:projectId/webhooks"
const item = `${collection}/:webhookId` as const

export const routes = {
  create: { method: "POST", path: collection },
  list: { method: "GET", path: collection },
  get: { method: "GET", path: item },
  update: { method: "PUT", path: item },
  delete: { method: "DELETE", path: item }
} as const

export type RouteName = keyof typeof routes

/** The ids a path takes: every endpoint names the project, the item endpoints the webhook too. */
export interface PathParams {
  readonly projectId: string
  readonly webhookId?: string | undefined
}

/** The path of `name` for these ids, each percent-encoded. */
export const pathOf = (name: RouteName, params: PathParams): string =>
  routes[name].path.replace(/:(projectId|webhookId)/g, (_, key: keyof PathParams) => pathSegment(params[key] ?? ""))

const compiled = (Object.keys(routes) as Array<RouteName>).map((name) => ({
  name,
  method: routes[name].method,
  pattern: new RegExp(`^${routes[name].path.replace(/:[^/]+/g, "[^/]+")}$`)
}))

/** True when `name` is one of the table's endpoints. */
export const isRouteName = (name: string): name is RouteName => Object.hasOwn(routes, name)

/** The path template as OpenAPI writes it (`/management/v1/projects/{projectId}/webhooks`): for span names, docs. */
export const templateOf = (name: RouteName): string => routes[name].path.replace(/:([^/]+)/g, "{$1}")

/** The endpoint a request is for (`path` without the query), or undefined. */
export const endpointOf = (method: string, path: string): RouteName | undefined =>
  compiled.find((r) => r.method === method && r.pattern.test(path))?.name

/** The methods an API path answers (empty when it is no API path): for 405 with `Allow`. */
export const methodsAt = (path: string): ReadonlyArray<string> =>
  compiled.filter((r) => r.pattern.test(path)).map((r) => r.method)
