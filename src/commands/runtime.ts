// `clawbot runtime`: one runtime process against shared Redis and Postgres; any number of
// them share the partitions.
import { KINDS } from "../../actors/index.ts"
import { ConfigError, type Config } from "../config.ts"
import { createLogger, type Logger } from "../log.ts"
import { type Runtime, startRuntime, tuningFor } from "../runtime/runtime.ts"
import { inboxDecoder } from "../runtime/inbox-codec.ts"
import { openServices, type Services } from "../services.ts"
import { runUntilSignalled } from "./shutdown.ts"

export const runtimeCommand = async (config: Config): Promise<"running"> => {
  const { redisUrl, databaseUrl } = config
  if (!redisUrl || !databaseUrl) {
    throw new ConfigError(
      "clawbot runtime needs REDIS_URL and DATABASE_URL (or --redis-url, --database-url); `clawbot start` starts local servers instead",
    )
  }
  const log = createLogger(config.logLevel, { component: "runtime" })
  return runUntilSignalled(log, async (started) => {
    const services = await openServices({ ...config, redisUrl, databaseUrl }, log, "runtime")
    started(() => services.close())
    const runtime = await runtimeOn(config, services, log)
    started(() => runtime.stop())
  })
}

/** A runtime on `services` with this deployment's actor kinds, inbox decoding and tuning (`clawbot start` runs one too). */
export const runtimeOn = (config: Config, services: Services, log: Logger): Promise<Runtime> =>
  startRuntime({
    ...services,
    sql: services.db.sql,
    kinds: KINDS,
    decode: inboxDecoder(config),
    log,
    tuning: tuningFor(config),
  })
