// Resolves the Redis and Postgres a coordinator process uses: given URLs as-is, otherwise embedded servers
// under dataDir, which one process at a time may use (its lock, lock.ts).
import { mkdir } from "node:fs/promises"
import { join, resolve } from "node:path"
import { lockDataDir } from "./lock.ts"
import { startEmbeddedPostgres } from "./postgres-server.ts"
import { startRedisServer } from "./redis-server.ts"
import type { EmbeddedServer } from "./types.ts"

export { MissingDependency, StartupFailure, withoutPassword } from "./errors.ts"
export { findFreePort } from "./free-port.ts"
export { LOCK_FILE } from "./lock.ts"
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
  /** What was started here, for the start-up lines: e.g. "redis-server on 127.0.0.1:41234 (data in .clawbot/redis)". */
  readonly started: ReadonlyArray<string>
  /** Stops whatever was started here (never the servers given by URL) and releases the data folder; safe to call more than once. */
  stop(): Promise<void>
}

/**
 * Starts an embedded redis-server and/or Postgres for each URL not given, after taking the data folder's lock.
 * Redis is started first so a missing redis-server (MissingDependency) is reported before the slower Postgres
 * start; on any failure, whatever was already started is stopped and the lock released before the error is rethrown.
 */
export async function resolveInfrastructure(options: InfrastructureOptions = {}): Promise<Infrastructure> {
  const dataDir = options.dataDir ?? ".clawbot"
  if (options.redisUrl && options.databaseUrl) {
    return { redisUrl: options.redisUrl, databaseUrl: options.databaseUrl, started: [], stop: async () => {} }
  }
  await mkdir(dataDir, { recursive: true })
  const lock = await lockDataDir(dataDir)
  const servers: EmbeddedServer[] = []
  const started: string[] = []
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(servers.map((server) => server.stop()))
      await lock.release()
    })())
  try {
    const redisUrl = options.redisUrl || (await startRedis(join(dataDir, "redis"), servers, started))
    const databaseUrl = options.databaseUrl || (await startPostgres(join(dataDir, "postgres"), servers, started))
    return { redisUrl, databaseUrl, started, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

const hostOf = (url: string): string => new URL(url).host

async function startRedis(dir: string, servers: EmbeddedServer[], started: string[]): Promise<string> {
  const server = await startRedisServer({ dataDir: dir })
  servers.push(server)
  started.push(`redis-server on ${hostOf(server.url)} (data in ${dir})`)
  return server.url
}

async function startPostgres(dir: string, servers: EmbeddedServer[], started: string[]): Promise<string> {
  const server = await startEmbeddedPostgres({ dataDir: dir })
  servers.push(server)
  const where = server.clusterDir.startsWith(resolve(dir)) ? dir : `${server.clusterDir}, as the postgres OS user cannot reach ${dir}`
  started.push(`embedded Postgres on ${hostOf(server.url)} (data in ${where})`)
  return server.url
}
