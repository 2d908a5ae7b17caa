// Auth test support: a second edge process on a test edge's deployment (same Redis prefix, Postgres
// schema and operator token, its own port), and the HTTP status of a socket's upgrade as the SDK sees
// it (101 when it opens, else the status of the refusal, on which the SDK stops).
import { KINDS } from "../../../actors/index.ts"
import { createEdge, type Edge } from "../../../src/edge/app.ts"
import { createLogger } from "../../../src/log.ts"
import type { TestEdge } from "../../support/edge.ts"
import { ClawbotError, connectBot, subscribe } from "../../../src/client/node.ts"

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

/** The HTTP status the upgrade of `url` (`ws://host:port/ws/control?token=…` or `/ws/events?topics=…&token=…`)
 * is answered with: 101 when the socket opens (it is closed again at once). */
export async function upgradeStatus(url: string): Promise<number> {
  const target = new URL(url)
  const base = `http://${target.host}`
  const token = target.searchParams.get("token") ?? undefined
  const statusOf = (error: unknown) => (error instanceof ClawbotError ? (error.status ?? 0) : 0)
  if (target.pathname === "/ws/control") {
    const bot = connectBot({ url: base, token: token ?? "", concurrency: 1 })
    const status = await bot.connected().then(() => 101, statusOf)
    await bot.close({ timeoutMs: 0 })
    return status
  }
  const topics = (target.searchParams.get("topics") ?? "").split(",").filter((topic) => topic !== "")
  const subscriber = subscribe({ url: base, token, topics })
  const status = await subscriber.ready().then(() => 101, statusOf)
  await subscriber.close()
  return status
}
