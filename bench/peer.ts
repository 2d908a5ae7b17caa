// The peer, BullMQ, on the same Redis: one fresh key prefix per run, and the removal of
// every key under it afterwards (queues, job hashes, its events stream).
import { randomBytes } from "node:crypto"
import type { ConnectionOptions } from "bullmq"
import { close, openRedis } from "../src/redis/client.ts"

export interface PeerSpace {
  readonly prefix: string
  readonly connection: ConnectionOptions
  /** Deletes every key under the prefix. */
  clean(): Promise<number>
}

export const peerSpace = (redisUrl: string): PeerSpace => {
  const prefix = `bench-bull-${randomBytes(5).toString("hex")}`
  return {
    prefix,
    // BullMQ's workers need `maxRetriesPerRequest: null` on their blocking connection.
    connection: { url: redisUrl, maxRetriesPerRequest: null },
    async clean() {
      const redis = await openRedis(redisUrl, { name: "bench-clean" })
      let deleted = 0
      try {
        for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
          const keys = batch as string[]
          if (keys.length > 0) deleted += await redis.unlink(...keys)
        }
      } finally {
        await close(redis)
      }
      return deleted
    },
  }
}
