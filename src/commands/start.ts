// `clawbot start` (what `npm start` runs): a runtime and an edge in one process, on the Redis and
// Postgres given by URL or, for each URL missing, on a local server it starts (redis-server and an
// embedded Postgres on free ports, data under --data-dir, one start per data folder). It checks what
// it can before starting anything (the port, the servers given by URL), so a failure is said plainly
// (failure.ts); SIGINT/SIGTERM, SIGHUP and the death of its parent (npm, npx) stop everything in
// reverse order, those servers included.
import type { Config } from "../config.ts"
import type { Edge } from "../edge/app.ts"
import { resolveInfrastructure } from "../embedded/index.ts"
import { createLogger, type Logger } from "../log.ts"
import type { Runtime } from "../runtime/runtime.ts"
import { openServices, type Services } from "../services.ts"
import { bannerLines } from "./banner.ts"
import { openEdge, say } from "./edge.ts"
import { stopWithParent } from "./parent-watch.ts"
import { assertPortFree, reachPostgres, reachRedis } from "./preflight.ts"
import { runtimeOn } from "./runtime.ts"
import { runUntilSignalled } from "./shutdown.ts"

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
  stopWithParent()
  return runUntilSignalled(log, async (started) => {
    await assertPortFree(config.host, config.port)
    await Promise.all([
      config.redisUrl && reachRedis(config.redisUrl, config.redisCluster),
      config.databaseUrl && reachPostgres(config.databaseUrl),
    ])
    const infrastructure = await resolveInfrastructure({
      ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
      ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
      dataDir: config.dataDir,
    })
    started(() => infrastructure.stop())
    for (const line of infrastructure.started) say(`started ${line}`)

    const { redisUrl, databaseUrl } = infrastructure
    const services = await openServices({ ...config, redisUrl, databaseUrl }, log, "start")
    started(() => services.close())
    const runtime = await runtimeOn(config, services, quietPartitions(log))
    started(() => runtime.stop())
    const edge = await serve(config, services, log, runtime)
    started(() => edge.close())
  })
}

/** The edge and the operator token (openEdge), then the banner: the URL, the dashboard and the token last. */
const serve = async (config: Config, services: Services, log: Logger, runtime: Runtime): Promise<Edge> => {
  const { edge, operator } = await openEdge(config, services, log, runtime)
  process.stdout.write(`${bannerLines(`http://${config.host}:${edge.port}`, operator).join("\n")}\n`)
  return edge
}
