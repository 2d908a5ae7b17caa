// Auth test support: a second edge process on a test edge's deployment (same Redis prefix, Postgres
// schema and operator token, its own port), and opening a socket or reading its refusal.
import { KINDS } from "../../../actors/index.ts"
import { createEdge, type Edge } from "../../../src/edge/app.ts"
import { createLogger } from "../../../src/log.ts"
import type { TestEdge } from "../../support/edge.ts"
import { TestClient, type Refusal } from "../sockets/conformance/raw-client.ts"

/** Another edge on `t`'s deployment, as a second `clawbot edge` would be. */
export const secondEdge = (t: TestEdge): Promise<Edge> =>
  createEdge({
    redis: t.deployment.redis,
    sql: t.deployment.schema.sql,
    keys: t.deployment.keys,
    partitions: t.deployment.partitions,
    append: t.deployment.append,
    log: createLogger("error"),
    kinds: KINDS,
    host: "127.0.0.1",
    port: 0,
    operatorToken: t.operatorToken,
  })

/** The HTTP status an upgrade is answered with: 101 when the socket opens (it is closed again at once). */
export const upgradeStatus = (url: string): Promise<number> =>
  TestClient.open(url).then(
    async (client) => {
      await client.close()
      return 101
    },
    (refusal: Refusal) => refusal.status,
  )
