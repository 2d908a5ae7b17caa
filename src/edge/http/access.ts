// Who may call a route, decided before it runs: the per-second request limit on /api/v1 (counted per
// valid token, or per client address for a request without one: a token not verified lately is first
// counted against its address, so random tokens cost the address's window, not a Postgres lookup
// each), then the route's access (`public`, `read`, `token`) against the caller's principal.
import { ApiError } from "../../schema/errors.ts"
import { bearerToken, principalSubject, type Principal } from "../auth.ts"
import type { EdgeContext } from "../context.ts"
import { retryAfterSeconds, takeFromWindow } from "../rate-limit.ts"
import type { RequestInfo } from "./exchange.ts"
import { API, type Answer, type Route } from "./route.ts"

/** The operator's limit is this many times CLAWBOT_RATE_LIMIT. */
const OPERATOR_RATE_FACTOR = 10

const WINDOW_MS = 1000

const unauthorized = (message: string) => new ApiError({ code: "unauthorized", message })
const forbidden = (message: string) => new ApiError({ code: "forbidden", message })

/** The 429 answer, with `Retry-After`. */
const rateLimited = (limit: number, resetMs: number, per: string): Answer => ({
  status: 429,
  json: new ApiError({ code: "rate_limited", message: `more than ${limit} requests per second${per}; retry in ${resetMs} ms` }).toBody(),
  headers: { "retry-after": String(retryAfterSeconds(resetMs)) },
})

/**
 * Counts the request against its subject's window; a 429 answer when over. Without Redis, reads are
 * served (they do not need it) and anything else fails (503).
 */
const admit = async (ctx: EdgeContext, request: RequestInfo, route: Route, token: string | undefined): Promise<Answer | undefined> => {
  const { auth, limits } = ctx
  const known = token === undefined ? undefined : auth.known(token)
  const limit = known?.role === "operator" ? limits.perTokenPerSecond * OPERATOR_RATE_FACTOR : limits.perTokenPerSecond
  const subject = known === undefined ? `address:${request.remoteAddress}` : principalSubject(known)
  try {
    const verdict = await takeFromWindow(ctx.redis, ctx.keys, "http", subject, limit, WINDOW_MS)
    if (!verdict.allowed) {
      ctx.metrics.inc("clawbot_rate_limited_total", { subject: known === undefined ? "address" : "token" })
      return rateLimited(limit, verdict.resetMs, known === undefined ? " from this address" : " for this token")
    }
  } catch (error) {
    if (route.method !== "GET") throw error
  }
  return undefined
}

/** The principal a route runs with; throws unauthorized or forbidden. */
const authorize = async (
  ctx: EdgeContext,
  request: RequestInfo,
  route: Route,
  token: string | undefined,
): Promise<Principal | undefined> => {
  if (route.access === "public") return undefined
  if (route.access === "read" && ctx.publicReads && request.authorization === "") return undefined
  if (token === undefined) {
    throw unauthorized(
      request.authorization === "" ? "Authorization: a bearer token is required for this call" : 'Authorization: expected "Bearer <token>"',
    )
  }
  const principal = await ctx.auth.verify(token)
  if (principal === undefined) throw unauthorized("Authorization: unknown or revoked token")
  if (route.access === "token" && principal.role === "viewer") throw forbidden("a viewer token may only read")
  if (route.access === "read" && principal.role === "agent" && !route.agentReads && !ctx.publicReads) {
    throw forbidden("an agent token may read only its own agent; reads need a viewer or operator token")
  }
  return principal
}

/** Admits and authorizes a call: a 429 answer, or the principal to run the route with. */
export const checkAccess = async (
  ctx: EdgeContext,
  request: RequestInfo,
  route: Route,
): Promise<{ readonly refused: Answer } | { readonly principal: Principal | undefined }> => {
  const token = bearerToken(request.authorization)
  if (route.path.startsWith(API)) {
    const refused = await admit(ctx, request, route, token)
    if (refused !== undefined) return { refused }
  }
  return { principal: await authorize(ctx, request, route, token) }
}
