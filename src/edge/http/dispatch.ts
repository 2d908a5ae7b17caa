// The uWS handler of every HTTP request: origin check and preflight, route match, body cap, the
// request's store budget (deadline.ts), rate limit and access (access.ts), decoding of path, query and
// body with the route's Schemas, the route's handler, and the error object on any failure (a bug is a
// 500, never a crash); each answer is counted in the request metrics.
import { performance } from "node:perf_hooks"
import type { HttpRequest, HttpResponse } from "uWebSockets.js"
import { ApiError, decodeInput, decodeJsonOr, decodeOr, type Decoded, type JsonInput, parseJsonInput } from "../../schema/errors.ts"
import { decodeQuery } from "../../schema/http.ts"
import type { EdgeContext } from "../context.ts"
import { checkAccess } from "./access.ts"
import { corsHeaders, originAllowed, preflightHeaders } from "./cors.ts"
import { requestBudget } from "./deadline.ts"
import { tooLargeMessage } from "./request-head.ts"
import { REFUSAL_PATH, type Refusal } from "./request-stream.ts"
import { openExchange, type Body, type RemoteAddress, type RequestInfo } from "./exchange.ts"
import { errorAnswer } from "./failure.ts"
import { PageQuery, type Answer, type Method, type Route } from "./route.ts"
import type { Router } from "./router.ts"

export interface HttpDeps {
  readonly ctx: EdgeContext
  readonly router: Router
  /** Where the client's address is read (the PROXY header only behind the front door). */
  readonly remoteAddress: RemoteAddress
  /** The front door's proof on the refusals it carries (./request-stream.ts); undefined without a front door. */
  readonly refusalSecret?: string
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

/** The 413 of a body over `limit`; the connection closes after it unless the body is read to its end (`declared`). */
const tooLarge = (limit: number, declared: boolean): Answer => ({
  status: 413,
  json: new ApiError({ code: "payload_too_large", message: tooLargeMessage(limit) }).toBody(),
  close: !declared,
})

/** Access, decoding and the handler, with the request's Redis and Postgres calls bounded by its budget. */
/** A body of nothing but JSON whitespace reads as `{}`. */
const isBlank = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d)

/** A route's body: the input rules, then its plain check when it has one, else (or when that does not take it) its
 * Schema, unknown fields refused. */
const decodeBody = (route: Route, input: JsonInput): Decoded<unknown> => {
  const schema = route.body as NonNullable<Route["body"]>
  if (route.plainBody === undefined) return decodeJsonOr(schema, input)
  const parsed = parseJsonInput(input)
  if (!parsed.ok) return parsed
  const plain = route.plainBody(parsed.value)
  return plain === undefined ? decodeInput(schema, parsed.value) : { ok: true, value: plain }
}

const runRoute = async (
  deps: HttpDeps,
  request: RequestInfo,
  route: Route,
  params: Readonly<Record<string, string>>,
  body: Body,
): Promise<Answer> => {
  if (body._tag === "too_large") return tooLarge(deps.ctx.limits.maxPayloadBytes, body.declared)
  // The client went away mid-body: nothing runs and the answer is never sent.
  if (body._tag === "aborted") throw new ApiError({ code: "validation_failed", message: "body: the client went away" })
  const budget = requestBudget()
  const ctx: EdgeContext = { ...deps.ctx, budget }
  return budget.race(
    (async () => {
      const access = await checkAccess(ctx, request, route)
      if ("refused" in access) return access.refused
      // Decoding is the request's own CPU, not a store call: the budget's clock stops meanwhile, so a large valid body
      // on a loaded host (a session of thousands of tasks) is decoded, not answered 503.
      const input = budget.paused(() => ({
        params: route.params === undefined ? params : valueOf(decodeOr(route.params, params)),
        query: route.query === undefined ? {} : valueOf(decodeQuery(route.query, request.query)),
        page: route.paged ? valueOf(decodeQuery(PageQuery, request.query)) : undefined,
        // The input rules (UTF-8 bytes, depth, characters, numbers) then the Schema, unknown fields refused.
        body: route.body === undefined ? undefined : valueOf(decodeBody(route, isBlank(body.bytes) ? "{}" : body.bytes)),
      }))
      return route.handle({ ctx, principal: access.principal, ...input })
    })(),
  )
}

const notFound = (request: RequestInfo, allowed?: ReadonlyArray<Method>): ApiError =>
  new ApiError({
    code: "not_found",
    message: `${request.method} ${request.path}: no such route${allowed ? ` (this path takes ${allowed.join(", ")})` : ""}`,
  })

/** The answer the front door asks for in its refusal request, closing the connection; undefined for any other. */
const carriedRefusal = (deps: HttpDeps, request: RequestInfo): Answer | undefined => {
  if (deps.refusalSecret === undefined || request.path !== REFUSAL_PATH) return undefined
  const [secret, carried = ""] = request.refusal.split(" ")
  if (secret !== deps.refusalSecret) return undefined
  const refusal = JSON.parse(Buffer.from(carried, "base64url").toString()) as Omit<Refusal, "_tag">
  return {
    status: refusal.status,
    json: new ApiError({ code: refusal.code, message: refusal.message }).toBody(),
    close: true,
    ...(refusal.headers === undefined ? {} : { headers: refusal.headers }),
  }
}

const respond = async (deps: HttpDeps, request: RequestInfo, body: Promise<Body>): Promise<Outcome> => {
  const match = deps.router.match(request.method, request.path)
  const route = match._tag === "route" ? `${match.route.method} ${match.route.path}` : "unmatched"
  const allowed = originAllowed(request.origin, request.host, deps.ctx.limits.allowedOrigins)
  const headers = {
    ...(allowed ? corsHeaders(request.origin) : {}),
    ...(match._tag === "method" ? { allow: [...match.allowed, "OPTIONS"].join(", ") } : {}),
  }
  try {
    const refused = carriedRefusal(deps, request)
    if (refused !== undefined) return { answer: refused, route: "front door", headers: {} }
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
    const exchange = openExchange(res, req, deps.ctx.limits.maxPayloadBytes, deps.remoteAddress)
    void respond(deps, exchange.request, exchange.body).then(({ answer, route, headers }) => {
      exchange.send(answer, headers)
      deps.ctx.metrics.inc("clawbot_http_requests_total", { route, status: String(answer.status) })
      deps.ctx.metrics.observe("clawbot_http_request_seconds", (performance.now() - started) / 1000, { route })
    })
  }
