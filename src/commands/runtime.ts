// `clawbot runtime`: one runtime process against shared Redis and Postgres; any number of
// them share the partitions.
import { KINDS } from "../../actors/index.ts"
import { ConfigError, type Config } from "../config.ts"
import { createLogger } from "../log.ts"
import { startRuntime, tuningFor } from "../runtime/runtime.ts"
import { inboxDecoder } from "../runtime/inbox-codec.ts"
import { openServices } from "../services.ts"
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
    const runtime = await startRuntime({
      ...services,
      sql: services.db.sql,
      kinds: KINDS,
      decode: inboxDecoder(config),
      log,
      tuning: tuningFor(config),
    })
    started(() => runtime.stop())
  })
}
