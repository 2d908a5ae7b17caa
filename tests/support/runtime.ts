// Test support: one test file's deployment (its own Postgres schema and Redis key prefix)
// with any number of in-process runtimes, the `append` function, and polling helpers.
import { randomBytes } from "node:crypto"
import type { Redis } from "ioredis"
import { KINDS } from "../../actors/index.ts"
import { createLogger } from "../../src/log.ts"
import { close, openRedis } from "../../src/redis/client.ts"
import { keysFor, type Keys } from "../../src/redis/keys.ts"
import { createScripts, type RedisScripts } from "../../src/redis/scripts.ts"
import { createAppend, type AppendFn } from "../../src/runtime/append.ts"
import { decodeInboxEntry, validateCommand } from "../../src/runtime/inbox-codec.ts"
import { startRuntime, type Runtime, type RuntimeTuning } from "../../src/runtime/runtime.ts"
import { getActor } from "../../src/store/queries.ts"
import type { StoredActor } from "../../src/store/actor-row.ts"
import { freshSchema, type TestSchema } from "./postgres.ts"

export interface TestDeployment {
  readonly schema: TestSchema
  readonly redis: Redis
  readonly keys: Keys
  readonly scripts: RedisScripts
  readonly partitions: number
  readonly append: AppendFn
  readonly redisUrl: string
  /** Starts a runtime process's worth of loops in this process. */
  startRuntime(tuning?: Partial<RuntimeTuning>): Promise<Runtime>
  /** Polls an actor's stored row until `until` holds (or fails after `timeoutMs`). */
  actor(kind: string, id: string, until?: (actor: StoredActor) => boolean, timeoutMs?: number): Promise<StoredActor>
  close(): Promise<void>
}

export const QUICK: Partial<RuntimeTuning> = { tickMs: 200, leaseTtlMs: 1_000, memberExpiryMs: 1_000, blockMs: 100, timerTickMs: 20 }

export const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export const testDeployment = async (options: { partitions?: number } = {}): Promise<TestDeployment> => {
  const partitions = options.partitions ?? 4
  const schema = await freshSchema()
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
  const redis = await openRedis(redisUrl, { name: "test" })
  const keys = keysFor(`t${randomBytes(5).toString("hex")}`)
  const scripts = createScripts(redis)
  const append = createAppend({ scripts, keys, partitions, validate: validateCommand })
  const runtimes: Runtime[] = []
  const connections: Redis[] = []
  const log = createLogger(process.env.TEST_LOG === "1" ? "debug" : "error")

  return {
    schema, redis, keys, scripts, partitions, append, redisUrl,
    async startRuntime(tuning = QUICK) {
      const own = await openRedis(redisUrl, { name: "test-runtime" })
      connections.push(own)
      const runtime = await startRuntime({
        redis: own, sql: schema.sql, scripts: createScripts(own), keys, partitions, append, kinds: KINDS,
        decode: decodeInboxEntry, log, tuning,
      })
      runtimes.push(runtime)
      return runtime
    },
    actor: (kind, id, until = () => true, timeoutMs) =>
      waitFor(`${kind} ${id}`, async () => {
        const actor = await getActor(schema.sql, kind, id)
        return actor && until(actor) ? actor : undefined
      }, timeoutMs),
    async close() {
      await Promise.all(runtimes.map((runtime) => runtime.stop()))
      for (const pattern of keys.patterns) {
        for await (const batch of redis.scanStream({ match: pattern, count: 1000 })) {
          if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]))
        }
      }
      await Promise.all([...connections, redis].map(close))
      await schema.drop()
    },
  }
}
