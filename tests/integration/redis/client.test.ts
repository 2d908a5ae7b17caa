// The ioredis factory: named connections, failing fast when Redis is unreachable, closing cleanly.
import { once } from "node:events"
import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { close, openRedis } from "../../../src/redis/client.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const unusedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

describe("openRedis", () => {
  it("opens a ready connection under the given client name", async () => {
    const redis = await fresh.connect("runtime-1:consumer")
    expect(redis.status).toBe("ready")
    expect(await redis.client("GETNAME")).toBe("runtime-1:consumer")
  })

  it("rejects at once when nothing listens", async () => {
    const port = await unusedPort()
    await expect(openRedis(`redis://127.0.0.1:${port}`)).rejects.toThrow(/ECONNREFUSED/)
  })

  it("refuses several nodes unless told they are a cluster, saying which setting", async () => {
    await expect(openRedis("redis://127.0.0.1:7000,redis://127.0.0.1:7001")).rejects.toThrow(
      "REDIS_URL names several nodes: set CLAWBOT_REDIS_CLUSTER=true for a Redis Cluster",
    )
  })

  it("fails commands at once while the connection is down, then reconnects by itself", async () => {
    const redis = await fresh.connect("dropped")
    const id = await redis.client("ID")
    const closed = once(redis, "close")
    await fresh.redis.client("KILL", "ID", id)
    await closed
    await expect(redis.ping()).rejects.toThrow(/enableOfflineQueue/)
    await once(redis, "ready")
    expect(await redis.ping()).toBe("PONG")
  })

  it("closes idempotently", async () => {
    const redis = await fresh.connect("closing")
    await close(redis)
    await close(redis)
    expect(redis.status).toBe("end")
  })
})
