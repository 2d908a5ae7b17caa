// The connections every process shares, acquired in order and released in reverse: Redis,
// Postgres (with migrations applied), the Lua scripts and the one `append` function.
import type { Redis } from "ioredis"
import type { Config } from "./config.ts"
import type { Logger } from "./log.ts"
import { errorFields } from "./log.ts"
import { close as closeRedis, openRedis } from "./redis/client.ts"
import { keysFor, type Keys } from "./redis/keys.ts"
import { createScripts, type RedisScripts } from "./redis/scripts.ts"
import { createAppend, type AppendFn } from "./runtime/append.ts"
import { validateCommand } from "./runtime/inbox-codec.ts"
import { withIntakeGifts } from "./runtime/intake.ts"
import { openDb, type Db } from "./store/db.ts"
import { migrate } from "./store/migrate.ts"

export interface Services {
  readonly redis: Redis
  readonly db: Db
  readonly keys: Keys
  readonly scripts: RedisScripts
  readonly append: AppendFn
  readonly partitions: number
  close(): Promise<void>
}

export const openServices = async (
  config: Config & { readonly redisUrl: string; readonly databaseUrl: string },
  log: Logger,
  name: string,
): Promise<Services> => {
  const redis = await openRedis(config.redisUrl, { name: `clawbot-${name}`, cluster: config.redisCluster })
  redis.on("error", (error) => log.warn("redis connection error", errorFields(error)))
  let db: Db
  try {
    db = await openDb({ url: config.databaseUrl, schema: config.prefix })
  } catch (error) {
    await closeRedis(redis)
    throw error
  }
  try {
    const applied = await migrate(db.sql)
    if (applied.length > 0) log.info("migrations applied", { applied })
  } catch (error) {
    await Promise.all([db.close(), closeRedis(redis)])
    throw error
  }
  const keys = keysFor(config.prefix)
  const scripts = createScripts(redis, { dedupeTtlMs: config.dedupeWindowS * 1000 })
  // Standalone tasks created while a slot waits for their capability are created assigned (src/runtime/intake.ts).
  const append = withIntakeGifts(createAppend({ scripts, keys, partitions: config.partitions, validate: validateCommand }), {
    scripts,
    keys,
    log,
  })
  return {
    redis,
    db,
    keys,
    scripts,
    append,
    partitions: config.partitions,
    close: async () => {
      await db.close()
      await closeRedis(redis)
    },
  }
}
