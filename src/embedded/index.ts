// Resolves the Redis and Postgres a coordinator process uses: given URLs as-is, otherwise embedded servers under dataDir.
import { join } from "node:path"
import { startEmbeddedPostgres } from "./postgres-server.ts"
import { startRedisServer } from "./redis-server.ts"
import type { EmbeddedServer } from "./types.ts"

export { MissingDependency } from "./errors.ts"
export { findFreePort } from "./free-port.ts"
export { NO_POSTGRES_OS_USER, startEmbeddedPostgres } from "./postgres-server.ts"
export { REDIS_SERVER_MISSING, startRedisServer } from "./redis-server.ts"
export type { EmbeddedServer, EmbeddedServerOptions } from "./types.ts"

export interface InfrastructureOptions {
  /** Use this Redis instead of starting one (empty counts as absent). */
  readonly redisUrl?: string
  /** Use this Postgres instead of starting one (empty counts as absent). */
  readonly databaseUrl?: string
  /** Where embedded servers keep their data: `<dataDir>/redis` and `<dataDir>/postgres`. */
  readonly dataDir?: string
}

export interface Infrastructure {
  readonly redisUrl: string
  readonly databaseUrl: string
  /** Stops whatever was started here (never the servers given by URL); safe to call more than once. */
  stop(): Promise<void>
}

/**
 * Starts an embedded redis-server and/or Postgres for each URL not given. Redis is started first so a missing
 * redis-server (MissingDependency) is reported before the slower Postgres start; on any failure, whatever was
 * already started is stopped before the error is rethrown.
 */
export async function resolveInfrastructure(options: InfrastructureOptions = {}): Promise<Infrastructure> {
  const dataDir = options.dataDir ?? ".clawbot"
  const started: EmbeddedServer[] = []
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()))
  }
  const start = async (launch: () => Promise<EmbeddedServer>) => {
    const server = await launch()
    started.push(server)
    return server.url
  }
  try {
    const redisUrl = options.redisUrl || (await start(() => startRedisServer({ dataDir: join(dataDir, "redis") })))
    const databaseUrl = options.databaseUrl || (await start(() => startEmbeddedPostgres({ dataDir: join(dataDir, "postgres") })))
    return { redisUrl, databaseUrl, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
