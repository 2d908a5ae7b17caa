// Chaos support: a deployment of its own for runtime processes started as children. One name
// is both its Postgres schema and its Redis key prefix (CLAWBOT_PREFIX), as in production;
// the test process appends through the same Schema-checked `append` the edge uses. On the shared
// Redis by default, or on a Redis Cluster the test started (whose keys go with its servers).
import type { Redis } from "ioredis"
import { redisUrl as resolveRedisUrl } from "../support/redis.ts"
import { close, openRedis } from "../../src/redis/client.ts"
import { keysFor, type Keys } from "../../src/redis/keys.ts"
import { createScripts } from "../../src/redis/scripts.ts"
import { createAppend, type AppendFn } from "../../src/runtime/append.ts"
import { withIntakeGifts } from "../../src/runtime/intake.ts"
import { validateCommand } from "../../src/runtime/inbox-codec.ts"
import type { Sql } from "../../src/store/db.ts"
import { freshSchema, type TestSchema } from "../support/postgres.ts"

export interface ChaosDeployment {
  readonly prefix: string
  readonly sql: Sql
  readonly redis: Redis
  readonly redisUrl: string
  readonly keys: Keys
  readonly partitions: number
  readonly append: AppendFn
  /** The environment a `clawbot runtime` child of this deployment runs with. */
  readonly env: NodeJS.ProcessEnv
  /** Another connection to the deployment's Redis (blocking reads need their own). */
  connect(name: string): Promise<Redis>
  /** Deletes the deployment's Redis keys, drops its schema and closes every connection. */
  close(): Promise<void>
}

export interface ChaosOptions {
  readonly partitions: number
  readonly leaseTtlMs: number
  /** Seed nodes of a Redis Cluster to use instead of the shared Redis. */
  readonly clusterUrl?: string
}

export const chaosDeployment = async (options: ChaosOptions): Promise<ChaosDeployment> => {
  const schema: TestSchema = await freshSchema()
  const cluster = options.clusterUrl !== undefined
  const redisUrl = options.clusterUrl ?? (await resolveRedisUrl())
  const redis = await openRedis(redisUrl, { name: "chaos", cluster })
  const connections: Redis[] = [redis]
  const keys = keysFor(schema.schema)
  const scripts = createScripts(redis)
  // As services make it (src/services.ts): the workload's standalone tasks may be given to agents at their intake.
  const append = withIntakeGifts(createAppend({ scripts, keys, partitions: options.partitions, validate: validateCommand }), {
    scripts,
    keys,
  })
  return {
    prefix: schema.schema,
    sql: schema.sql,
    redis,
    redisUrl,
    keys,
    partitions: options.partitions,
    append,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      CLAWBOT_REDIS_CLUSTER: String(cluster),
      DATABASE_URL: schema.url,
      CLAWBOT_PREFIX: schema.schema,
      CLAWBOT_PARTITIONS: String(options.partitions),
      CLAWBOT_LEASE_TTL_MS: String(options.leaseTtlMs),
      LOG_LEVEL: "info",
    },
    async connect(name) {
      const connection = await openRedis(redisUrl, { name, cluster })
      connections.push(connection)
      return connection
    },
    async close() {
      for (const pattern of cluster ? [] : keys.patterns) {
        for await (const batch of redis.scanStream({ match: pattern, count: 1000 })) {
          if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]))
        }
      }
      await Promise.all(connections.map(close))
      await schema.drop()
    },
  }
}
