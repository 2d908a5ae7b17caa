// resolveInfrastructure: given URLs pass through untouched; missing ones are served by embedded redis-server/Postgres.
import { mkdtemp, readdir } from "node:fs/promises"
import { join } from "node:path"
import { Redis } from "ioredis"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  LOCK_FILE,
  MissingDependency,
  REDIS_SERVER_MISSING,
  resolveInfrastructure,
  type Infrastructure,
} from "../../../src/embedded/index.ts"
import { portIsFree, tempDir } from "./helpers.ts"

describe("resolveInfrastructure", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const resolved: Infrastructure[] = []

  beforeAll(async () => {
    dir = await tempDir("infra")
  })
  afterAll(async () => {
    await Promise.all(resolved.map((infra) => infra.stop()))
    await dir.remove()
  })

  it("uses the given URLs as they are and starts nothing", async () => {
    const dataDir = join(dir.path, "given")
    const infra = await resolveInfrastructure({
      redisUrl: "redis://example.invalid:7000",
      databaseUrl: "postgres://u@example.invalid/db",
      dataDir,
    })
    resolved.push(infra)
    expect(infra.redisUrl).toBe("redis://example.invalid:7000")
    expect(infra.databaseUrl).toBe("postgres://u@example.invalid/db")
    await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/)
    await infra.stop()
  })

  it("starts an embedded redis-server and Postgres under dataDir when no URL is given, and stops both", async () => {
    const dataDir = join(dir.path, "embedded")
    const infra = await resolveInfrastructure({ dataDir })
    resolved.push(infra)
    expect((await readdir(dataDir)).sort()).toEqual([LOCK_FILE, "postgres", "redis"])
    // The folder is this process's until it stops: a second start on it is refused before it starts anything.
    await expect(resolveInfrastructure({ dataDir })).rejects.toThrow(
      `another clawbot (pid ${process.pid}) is running on the data folder ${dataDir}`,
    )

    const redis = new Redis(infra.redisUrl, { lazyConnect: true })
    await redis.connect()
    expect(await redis.ping()).toBe("PONG")
    redis.disconnect()
    const sql = postgres(infra.databaseUrl, { max: 1 })
    expect(await sql`select current_database() as db`).toEqual([{ db: "clawbot" }])
    await sql.end()

    await infra.stop()
    expect(await portIsFree(Number(new URL(infra.redisUrl).port))).toBe(true)
    expect(await portIsFree(Number(new URL(infra.databaseUrl).port))).toBe(true)
    expect((await readdir(dataDir)).sort()).toEqual(["postgres", "redis"])
  }, 120_000)

  it("fails with the install-or-set message before starting Postgres when redis-server is missing", async () => {
    const dataDir = join(dir.path, "no-redis")
    const savedPath = process.env.PATH
    process.env.PATH = await mkdtemp(join(dir.path, "empty-path-"))
    try {
      const failure = resolveInfrastructure({ dataDir })
      await expect(failure).rejects.toBeInstanceOf(MissingDependency)
      await expect(failure).rejects.toThrow(REDIS_SERVER_MISSING)
    } finally {
      process.env.PATH = savedPath
    }
    expect(await readdir(dataDir)).toEqual(["redis"])
  })
})
