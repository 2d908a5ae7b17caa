// `clawbot edge`: an edge process (HTTP API and WebSockets) against shared Redis and Postgres; also
// `serveEdge`, which `clawbot start` uses too: the edge, then the operator token at first start.
import { KINDS } from "../../actors/index.ts"
import { ConfigError, type Config } from "../config.ts"
import { createEdge, type Edge } from "../edge/app.ts"
import { ensureOperatorToken } from "../edge/auth.ts"
import type { RuntimeView } from "../edge/http/readiness.ts"
import { createLogger, type Logger } from "../log.ts"
import { DEFAULT_TUNING, tuningFor } from "../runtime/runtime.ts"
import { openServices, type Services } from "../services.ts"
import { runUntilSignalled } from "./shutdown.ts"

export const say = (line: string): void => {
  process.stdout.write(`clawbot: ${line}\n`)
}

/** The edge's limits the configuration sets (the others keep their defaults). */
export const edgeLimits = (config: Config) => ({
  perTokenPerSecond: config.rateLimit,
  connectionsPerAddress: config.maxConnectionsPerAddress,
  orphanAfterS: config.orphanAfterS,
  breakerCooldownMs: config.breakerCooldownMs,
})

/**
 * Starts the edge and makes sure an operator token exists: generated only once the edge serves, so a
 * failed start never stores a token nobody was shown (the edge is closed again when that fails).
 */
export const openEdge = async (config: Config, services: Services, log: Logger, runtime?: RuntimeView) => {
  // The runtimes' member expiry, tuned as they tune it: /metrics shows the statistics of live members.
  const { memberExpiryMs } = { ...DEFAULT_TUNING, ...tuningFor(config) }
  const edge = await createEdge({
    redis: services.redis,
    sql: services.db.sql,
    keys: services.keys,
    partitions: services.partitions,
    append: services.append,
    log,
    kinds: KINDS,
    host: config.host,
    port: config.port,
    memberExpiryMs,
    publicReads: config.publicReads,
    frontDoor: config.frontDoor,
    limits: edgeLimits(config),
    ...(config.operatorToken === undefined ? {} : { operatorToken: config.operatorToken }),
    ...(runtime === undefined ? {} : { runtime }),
  })
  const operator = await ensureOperatorToken(services.db.sql, config.operatorToken).catch(async (error: unknown) => {
    await edge.close()
    throw error
  })
  return { edge, operator }
}

/** Starts the edge, prints its URL, and makes sure an operator token exists (printing a new one, once). */
export const serveEdge = async (config: Config, services: Services, log: Logger, runtime?: RuntimeView): Promise<Edge> => {
  const { edge, operator } = await openEdge(config, services, log, runtime)
  say(`listening on http://${config.host}:${edge.port} (HTTP API under /api/v1, WebSockets /ws/control and /ws/events)`)
  if (operator.source === "generated") {
    say(`operator token (shown this once; only its hash is stored): ${operator.token}`)
  } else if (operator.source === "stored") {
    say("operator token: the one generated at first start (stored hashed); to use a new one set CLAWBOT_OPERATOR_TOKEN or --operator-token")
  } else {
    say("operator token: from CLAWBOT_OPERATOR_TOKEN / --operator-token")
  }
  return edge
}

export const edgeCommand = async (config: Config): Promise<"running"> => {
  const { redisUrl, databaseUrl } = config
  if (!redisUrl || !databaseUrl) {
    throw new ConfigError(
      "clawbot edge needs REDIS_URL and DATABASE_URL (or --redis-url, --database-url); `clawbot start` starts local servers instead",
    )
  }
  const log = createLogger(config.logLevel, { component: "edge" })
  return runUntilSignalled(log, async (started) => {
    const services = await openServices({ ...config, redisUrl, databaseUrl }, log, "edge")
    started(() => services.close())
    const edge = await serveEdge(config, services, log)
    started(() => edge.close())
  })
}
