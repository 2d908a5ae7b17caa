// Starts a real redis-server child on a free port and checks readiness, persistence, clean stop and the missing-binary error.
import { mkdtemp, readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MissingDependency, REDIS_SERVER_MISSING, startRedisServer, type EmbeddedServer } from "../../../src/embedded/index.ts"
import { portIsFree, tempDir } from "./helpers.ts"

describe("startRedisServer", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const running: EmbeddedServer[] = []

  beforeAll(async () => {
    dir = await tempDir("redis")
  })
  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()))
    await dir.remove()
  })

  async function start(): Promise<{ server: EmbeddedServer; port: number }> {
    const server = await startRedisServer({ dataDir: join(dir.path, "redis") })
    running.push(server)
    return { server, port: Number(new URL(server.url).port) }
  }

  async function withClient<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
    await redis.connect()
    try {
      return await use(redis)
    } finally {
      redis.disconnect()
    }
  }

  it("serves on a free loopback port, keeps data across restarts and releases the port on stop", async () => {
    const first = await start()
    expect(first.server.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    expect([5432, 6379]).not.toContain(first.port)
    await withClient(first.server.url, async (redis) => {
      expect(await redis.ping()).toBe("PONG")
      await redis.set("embedded:test", "kept")
    })

    await first.server.stop()
    expect(await portIsFree(first.port)).toBe(true)
    expect(await readFile(join(dir.path, "redis", "redis.log"), "utf8")).toContain("Ready to accept connections")
    expect(await readdir(join(dir.path, "redis", "appendonlydir"))).not.toHaveLength(0)

    const second = await start()
    expect(await withClient(second.server.url, (redis) => redis.get("embedded:test"))).toBe("kept")
    await second.server.stop()
    await second.server.stop()
    expect(await portIsFree(second.port)).toBe(true)
  })

  it("reports exactly what to install or set when redis-server is not on PATH", async () => {
    const savedPath = process.env.PATH
    process.env.PATH = await mkdtemp(join(dir.path, "empty-path-"))
    try {
      const failure = startRedisServer({ dataDir: join(dir.path, "missing") })
      await expect(failure).rejects.toBeInstanceOf(MissingDependency)
      await expect(failure).rejects.toThrow(REDIS_SERVER_MISSING)
    } finally {
      process.env.PATH = savedPath
    }
    expect(REDIS_SERVER_MISSING).toBe(
      "redis-server not found on PATH: install Redis 7 (Debian: apt-get install redis-server) or set REDIS_URL=redis://host:6379",
    )
  })
})
