// The operational routes outside /api/v1: /health (the process is up), /live, /ready (Redis and
// Postgres reachable and, with an in-process runtime, its partitions owned, from the last background
// probe; 503 otherwise) and
// /metrics (Prometheus text).
import { Schema } from "effect"
import { ApiError } from "../../../schema/errors.ts"
import { json, route, type Route } from "../route.ts"

const Health = Schema.Struct({ status: Schema.Literal("ok"), edge_id: Schema.String, uws: Schema.String }).annotate({
  identifier: "Health",
})
const Live = Schema.Struct({ status: Schema.Literal("live") }).annotate({ identifier: "Live" })
const Ready = Schema.Struct({ ready: Schema.Literal(true), checks: Schema.Record(Schema.String, Schema.Unknown) }).annotate({
  identifier: "Ready",
})

export interface MetaDeps {
  /** Which uWebSockets.js build serves (native or fallback). */
  readonly uws: string
  /** The /metrics text, freshly collected. */
  readonly scrape: () => Promise<string>
}

export const metaRoutes = (deps: MetaDeps): Route[] => [
  route({
    method: "GET",
    path: "/health",
    name: "health",
    summary: "The process is up",
    access: "public",
    responses: { 200: { description: "up", schema: Health } },
    async handle({ ctx }) {
      return json(200, { status: "ok", edge_id: ctx.edgeId, uws: deps.uws })
    },
  }),
  route({
    method: "GET",
    path: "/live",
    name: "live",
    summary: "Liveness: the event loop answers",
    access: "public",
    responses: { 200: { description: "alive", schema: Live } },
    async handle() {
      return json(200, { status: "live" })
    },
  }),
  route({
    method: "GET",
    path: "/ready",
    name: "ready",
    summary: "Readiness: Redis and Postgres reachable (and the in-process runtime's partitions owned), as last probed in the background",
    access: "public",
    responses: { 200: { description: "ready", schema: Ready } },
    async handle({ ctx }) {
      const { ready, checks } = ctx.readiness()
      if (ready) return json(200, { ready, checks })
      const failing = Object.entries(checks)
        .filter(([, ok]) => ok === false)
        .map(([name]) => name)
      const message = `not ready${failing.length > 0 ? ` (failing: ${failing.join(", ")})` : ""}`
      return json(503, { ...new ApiError({ code: "unavailable", message }).toBody(), checks })
    },
  }),
  route({
    method: "GET",
    path: "/metrics",
    name: "metrics",
    summary: "Prometheus metrics (text format 0.0.4)",
    access: "public",
    responses: { 200: { description: "the metrics", schema: Schema.String, contentType: "text/plain" } },
    async handle() {
      return { status: 200, text: await deps.scrape(), contentType: "text/plain; version=0.0.4; charset=utf-8" }
    },
  }),
]
