// `clawbot start` (what `npm start` runs): a runtime and an edge in one process, on the Redis and
// Postgres given by URL or, for each URL missing, on a local server it starts (redis-server and an
// embedded Postgres on free ports, data under --data-dir, one start per data folder). It checks what
// it can before starting anything (the port, the servers given by URL), so a failure is said plainly
// (failure.ts); SIGINT/SIGTERM, SIGHUP and the death of its parent (npm, npx) stop everything in
// reverse order, those servers included.
import { KINDS } from "../../actors/index.ts"
import type { Config } from "../config.ts"
import { createEdge, type Edge } from "../edge/app.ts"
import { ensureOperatorToken } from "../edge/auth.ts"
import { resolveInfrastructure } from "../embedded/index.ts"
import { createLogger, errorFields, type Logger } from "../log.ts"
import { describeMachine } from "../runtime/describe-machine.ts"
import { decodeInboxEntry } from "../runtime/inbox-codec.ts"
import { DEFAULT_TUNING, type Runtime, startRuntime, tuningFor } from "../runtime/runtime.ts"
import { openServices, type Services } from "../services.ts"
import { bannerLines } from "./banner.ts"
import { edgeLimits, say } from "./edge.ts"
import { stopWithParent } from "./parent-watch.ts"
import { assertPortFree, reachPostgres, reachRedis } from "./preflight.ts"
import { onShutdown } from "./shutdown.ts"

/**
 * The runtime logs each partition it acquires at info; in the one-process start it owns them all at once and
 * "runtime started" lists them, so those lines go to debug here rather than bury the banner.
 */
const quietPartitions = (log: Logger): Logger => ({
  ...log,
  info: (message, fields) => (message === "partition acquired" ? log.debug(message, fields) : log.info(message, fields)),
})

export const startCommand = async (config: Config): Promise<"running"> => {
  const log = createLogger(config.logLevel, { component: "start" })
  // Most recent first; the signal handlers see whatever has been started by the time they run.
  const closers: Array<() => Promise<void>> = []
  onShutdown(log, closers)
  stopWithParent()
  try {
    await assertPortFree(config.host, config.port)
    await Promise.all([config.redisUrl && reachRedis(config.redisUrl), config.databaseUrl && reachPostgres(config.databaseUrl)])
    const infrastructure = await resolveInfrastructure({
      ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
      ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
      dataDir: config.dataDir,
    })
    closers.unshift(() => infrastructure.stop())
    for (const line of infrastructure.started) say(`started ${line}`)

    const { redisUrl, databaseUrl } = infrastructure
    const services = await openServices({ ...config, redisUrl, databaseUrl }, log, "start")
    closers.unshift(() => services.close())
    const runtime = await startRuntime({
      ...services,
      sql: services.db.sql,
      kinds: KINDS,
      decode: decodeInboxEntry,
      log: quietPartitions(log),
      tuning: tuningFor(config),
    })
    closers.unshift(() => runtime.stop())
    const edge = await serve(config, services, log, runtime)
    closers.unshift(() => edge.close())
    return "running"
  } catch (error) {
    for (const close of closers.splice(0))
      await close().catch((failure: unknown) => log.error("stopping after a failed start", errorFields(failure)))
    throw error
  }
}

/** The edge, then the operator token (generated only once the edge serves, so a failed start never stores one nobody saw), then the banner. */
const serve = async (config: Config, services: Services, log: Logger, runtime: Runtime): Promise<Edge> => {
  const { memberExpiryMs } = { ...DEFAULT_TUNING, ...tuningFor(config) }
  const edge = await createEdge({
    redis: services.redis,
    sql: services.db.sql,
    keys: services.keys,
    partitions: services.partitions,
    append: services.append,
    log,
    machines: Object.fromEntries(KINDS.map((kind) => [kind.kind, describeMachine(kind.machine)])),
    host: config.host,
    port: config.port,
    memberExpiryMs,
    publicReads: config.publicReads,
    frontDoor: config.frontDoor,
    limits: edgeLimits(config),
    ...(config.operatorToken === undefined ? {} : { operatorToken: config.operatorToken }),
    runtime,
  })
  try {
    const operator = await ensureOperatorToken(services.db.sql, config.operatorToken)
    process.stdout.write(`${bannerLines(`http://${config.host}:${edge.port}`, operator).join("\n")}\n`)
    return edge
  } catch (error) {
    await edge.close()
    throw error
  }
}
