// The edge's whole HTTP route table, `GET /api/v1/openapi.json` included (its document is generated
// from this same table, once, on first request).
import { Schema } from "effect"
import { openApiDocument } from "../../openapi.ts"
import { API, json, route, type Route } from "../route.ts"
import { actorEventRoutes } from "./actor-events.ts"
import { agentRoutes } from "./agents.ts"
import { contextRoutes } from "./contexts.ts"
import { dashboardRoutes } from "./dashboard.ts"
import { decomposeRoutes } from "./decompose.ts"
import { deadLetterRoutes } from "./dead-letters.ts"
import { groupRoutes } from "./groups.ts"
import { inspectRoutes } from "./inspect.ts"
import { metaRoutes, type MetaDeps } from "./meta.ts"
import { sessionRoutes } from "./sessions.ts"
import { taskRoutes } from "./tasks.ts"
import { viewerTokenRoutes } from "./viewer-tokens.ts"

const OpenApi = Schema.Record(Schema.String, Schema.Unknown).annotate({ identifier: "OpenApiDocument" })

export const edgeRoutes = (deps: MetaDeps): ReadonlyArray<Route> => {
  let document: unknown
  const routes: Route[] = [...agentRoutes, ...sessionRoutes, ...taskRoutes, ...groupRoutes, ...contextRoutes, ...decomposeRoutes, ...inspectRoutes, ...actorEventRoutes, ...deadLetterRoutes, ...viewerTokenRoutes, ...metaRoutes(deps), ...dashboardRoutes()]
  routes.push(
    route({
      method: "GET",
      path: `${API}/openapi.json`,
      name: "openapi",
      summary: "This document (OpenAPI 3.1), generated from the route table and its Schemas",
      access: "public",
      responses: { 200: { description: "the OpenAPI document", schema: OpenApi } },
      async handle() {
        document ??= openApiDocument(routes)
        return json(200, document)
      },
    }),
  )
  return routes
}
