// Test support: a test file's own Redis connection and random key prefix, its keys deleted
// afterwards, a plain consumer-group read, and one command appended alone. Uses REDIS_URL, else Redis on 127.0.0.1:6379, else a
// redis:7 testcontainer.
import { randomBytes } from "node:crypto"
import { connect } from "node:net"
import type { Redis } from "ioredis"
import { afterAll, beforeAll } from "vitest"
import { close, openRedis } from "../../src/redis/client.ts"
import { streamEntries, type StreamEntry } from "../../src/redis/streams.ts"
import { keysFor, RUNTIME_GROUP, type Keys, type PartitionKeys } from "../../src/redis/keys.ts"
import { AppendExpired, type AppendCommand, type Appended, type RedisScripts } from "../../src/redis/scripts.ts"

export interface FreshRedis {
  /** The file's connection (available in hooks and tests). */
  readonly redis: Redis
  readonly keys: Keys
  /** Another connection to the same server, closed after the file. */
  connect(name?: string): Promise<Redis>
}

const answers = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 })
    const done = (ok: boolean) => () => {
      socket.destroy()
      resolve(ok)
    }
    socket.once("connect", done(true)).once("error", done(false)).once("timeout", done(false))
  })

/** Deletes every key of a prefix (`Keys.patterns`), as a Redis restarted without its data has none of them: every key
 * is found first, then all go in one command, at one instant. (Deleted as they were found, a running runtime could
 * notice its leases gone, take them again and rebuild its routing state in between, and a later deletion would take
 * that away again.) */
export const deletePrefixKeys = async (redis: Redis, { patterns }: Pick<Keys, "patterns">): Promise<void> => {
  const keys = new Set<string>()
  for (const pattern of patterns) {
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 })) for (const key of batch as string[]) keys.add(key)
  }
  if (keys.size > 0) await redis.unlink(...keys)
}

let server: Promise<string> | undefined

/** The Redis for this test process: REDIS_URL, else 127.0.0.1:6379 when it answers, else a
 * redis:7 testcontainer started once (removed by the testcontainers reaper at exit). */
export const redisUrl = (): Promise<string> => {
  server ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL
    if (await answers("127.0.0.1", 6379)) return "redis://127.0.0.1:6379"
    const { GenericContainer } = await import("testcontainers")
    const container = await new GenericContainer("redis:7").withExposedPorts(6379).start()
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`
  })()
  return server
}

export const freshRedis = (): FreshRedis => {
  const keys = keysFor(`t${randomBytes(5).toString("hex")}`)
  const opened: Redis[] = []

  const fresh: FreshRedis = {
    get redis() {
      const redis = opened[0]
      if (!redis) throw new Error("freshRedis: the connection opens in beforeAll")
      return redis
    },
    keys,
    connect: async (name = "test") => {
      const redis = await openRedis(await redisUrl(), { name })
      opened.push(redis)
      return redis
    },
  }

  beforeAll(async () => {
    await fresh.connect()
  })

  afterAll(async () => {
    if (opened[0]) await deletePrefixKeys(opened[0], keys)
    await Promise.all(opened.map(close))
  })

  return fresh
}

/** New entries for `consumer` in the `runtime` group, as a plain consumer reads them (the runtime reads
 * through inbox-read.lua); `blockMs` undefined: answer at once. */
export const readGroup = async (redis: Redis, inbox: string, consumer: string, count: number, blockMs?: number): Promise<StreamEntry[]> =>
  streamEntries(
    await redis.call(
      "XREADGROUP",
      "GROUP",
      RUNTIME_GROUP,
      consumer,
      "COUNT",
      count,
      ...(blockMs === undefined ? [] : ["BLOCK", blockMs]),
      "STREAMS",
      inbox,
      ">",
    ),
  )

/** One command appended alone (the scripts' `appendAll` of one): its entry, or its AppendExpired thrown. */
export const appendOne = async (scripts: RedisScripts, p: PartitionKeys, command: AppendCommand): Promise<Appended> => {
  const [answer] = await scripts.appendAll([{ p, command }])
  if (answer instanceof AppendExpired) throw answer
  return answer!
}
