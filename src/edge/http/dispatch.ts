// The uWS handler of every HTTP request: origin check and preflight, route match, body cap, rate
// limit, authentication, decoding of path, query and body with the route's Schemas, the route's
// handler, and the error object on any failure; each answer is counted in the request metrics.
import { performance } from "node:perf_hooks"
import type { HttpRequest, HttpResponse } from "uWebSockets.js"
import { ApiError, decodeJsonOr, decodeOr, type Decoded } from "../../schema/errors.ts"
import { decodeQuery } from "../../schema/http.ts"
import { bearerToken, tokenFingerprint, type Authenticator } from "../auth.ts"
import type { EdgeContext } from "../context.ts"
import { takeFromWindow, type WindowVerdict } from "../rate-limit.ts"
import { corsHeaders, originAllowed, preflightHeaders } from "./cors.ts"
import { openExchange, type Body, type RequestInfo } from "./exchange.ts"
import { errorAnswer } from "./failure.ts"
import { API, PageQuery, type Answer, type Method, type Route } from "./route.ts"
import type { Router } from "./router.ts"

export interface HttpDeps {
  readonly ctx: EdgeContext
  readonly router: Router
  readonly auth: Authenticator
}

interface Outcome {
  readonly answer: Answer
  /** The metrics label: `METHOD /path/{pattern}`, `preflight` or `unmatched`. */
  readonly route: string
  readonly headers: Readonly<Record<string, string>>
}

const valueOf = <T>(result: Decoded<T>): T => {
  if (!result.ok) throw result.error
  return result.value
}

/** Requests per second by token (or, without one, by client address) on the API routes. */
const checkRateLimit = async (deps: HttpDeps, request: RequestInfo, route: Route): Promise<void> => {
  const token = bearerToken(request.authorization)
  const subject = token === undefined ? `ip:${request.remoteAddress}` : `token:${tokenFingerprint(token)}`
  const { redis, keys, limits } = deps.ctx
  let verdict: WindowVerdict
  try {
    verdict = await takeFromWindow(redis, keys, "http", subject, limits.perTokenPerSecond, 1000)
  } catch (error) {
    // Reads do not need Redis, so they are served; a command could not be accepted anyway.
    if (route.method === "GET") return
    throw error
  }
  if (!verdict.allowed) {
    const message = `more than ${limits.perTokenPerSecond} requests per second; retry in ${verdict.resetMs} ms`
    throw new ApiError({ code: "rate_limited", message })
  }
}

const tooLarge = (limit: number): Answer => ({
  status: 413,
  json: new ApiError({ code: "payload_too_large", message: `body: larger than ${limit} bytes` }).toBody(),
  close: true,
})

const runRoute = async (deps: HttpDeps, request: RequestInfo, route: Route, params: Readonly<Record<string, string>>, body: Body): Promise<Answer> => {
  if (body._tag === "too_large") return tooLarge(deps.ctx.limits.maxPayloadBytes)
  // The client went away mid-body: nothing runs and the answer is never sent.
  if (body._tag === "aborted") throw new ApiError({ code: "validation_failed", message: "body: the client went away" })
  if (route.path.startsWith(API)) await checkRateLimit(deps, request, route)
  const principal = route.access === "token" ? await deps.auth.authenticate(request.authorization) : undefined
  const text = body.text.trim()
  return route.handle({
    ctx: deps.ctx,
    principal,
    params: route.params === undefined ? params : valueOf(decodeOr(route.params, params)),
    query: route.query === undefined ? {} : valueOf(decodeQuery(route.query, request.query)),
    page: route.paged ? valueOf(decodeQuery(PageQuery, request.query)) : undefined,
    body: route.body === undefined ? undefined : valueOf(decodeJsonOr(route.body, text === "" ? "{}" : text)),
  })
}

const notFound = (request: RequestInfo, allowed?: ReadonlyArray<Method>): ApiError =>
  new ApiError({
    code: "not_found",
    message: `${request.method} ${request.path}: no such route${allowed ? ` (this path takes ${allowed.join(", ")})` : ""}`,
  })

const respond = async (deps: HttpDeps, request: RequestInfo, body: Promise<Body>): Promise<Outcome> => {
  const match = deps.router.match(request.method, request.path)
  const route = match._tag === "route" ? `${match.route.method} ${match.route.path}` : "unmatched"
  const allowed = originAllowed(request.origin, request.host, deps.ctx.limits.allowedOrigins)
  const headers = allowed ? corsHeaders(request.origin) : {}
  try {
    if (!allowed) throw new ApiError({ code: "forbidden", message: `origin ${JSON.stringify(request.origin)} is not allowed` })
    if (request.method === "OPTIONS" && match._tag === "method") {
      const answer: Answer = { status: 204, text: "", contentType: "text/plain" }
      return { answer, route: "preflight", headers: preflightHeaders(request.origin, match.allowed) }
    }
    if (match._tag !== "route") throw notFound(request, match._tag === "method" ? match.allowed : undefined)
    return { answer: await runRoute(deps, request, match.route, match.params, await body), route, headers }
  } catch (error) {
    return { answer: errorAnswer(error, deps.ctx.log, route), route, headers }
  }
}

/** The handler for `app.any("/*", ...)`. */
export const httpHandler =
  (deps: HttpDeps) =>
  (res: HttpResponse, req: HttpRequest): void => {
    const started = performance.now()
    const exchange = openExchange(res, req, deps.ctx.limits.maxPayloadBytes)
    void respond(deps, exchange.request, exchange.body).then(({ answer, route, headers }) => {
      exchange.send(answer, headers)
      deps.ctx.metrics.inc("clawbot_http_requests_total", { route, status: String(answer.status) })
      deps.ctx.metrics.observe("clawbot_http_request_seconds", (performance.now() - started) / 1000, { route })
    })
  }
