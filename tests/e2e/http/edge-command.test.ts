// The real `clawbot edge` as a child process on the shared Redis and Postgres (its own prefix and
// schema): it serves with the configured operator token and stops cleanly on SIGTERM; without
// REDIS_URL/DATABASE_URL it says what it needs.
import { spawn } from "node:child_process"
import { redisUrl } from "../../support/redis.ts"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, describe, expect, it } from "vitest"
import { keysFor } from "../../../src/redis/keys.ts"
import { close, openRedis } from "../../../src/redis/client.ts"
import { openDb } from "../../../src/store/db.ts"
import { databaseUrl } from "../../support/postgres.ts"
import { httpClient } from "../../support/edge.ts"

const ROOT = join(import.meta.dirname, "../../..")
const prefix = `e${randomBytes(5).toString("hex")}`

const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  for (const name of ["REDIS_URL", "DATABASE_URL", "CLAWBOT_OPERATOR_TOKEN", "PORT", "CLAWBOT_PREFIX"])
    if (!(name in extra)) delete env[name]
  return env
}

describe("clawbot edge", () => {
  afterAll(async () => {
    const db = await openDb({ url: await databaseUrl(), schema: prefix })
    await db.sql`drop schema ${db.sql(prefix)} cascade`
    await db.close()
    const redis = await openRedis(await redisUrl())
    for (const pattern of keysFor(prefix).patterns) {
      const found = await redis.keys(pattern)
      if (found.length > 0) await redis.unlink(...found)
    }
    await close(redis)
  })

  it("serves the API with the configured operator token and stops on SIGTERM", async () => {
    const token = randomBytes(16).toString("hex")
    const child = spawn(process.execPath, ["bin/clawbot.js", "edge", "--port", "0", "--log-level", "warn"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv({
        REDIS_URL: await redisUrl(),
        DATABASE_URL: await databaseUrl(),
        CLAWBOT_PREFIX: prefix,
        CLAWBOT_OPERATOR_TOKEN: token,
      }),
    })
    const lines: string[] = []
    const url = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`clawbot edge exited (${code}): ${lines.join("\n")}`)))
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        lines.push(line)
        if (line === "clawbot: operator token: from CLAWBOT_OPERATOR_TOKEN / --operator-token") {
          resolve(lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean) ?? "")
        }
      })
    })
    const api = httpClient(url, token)
    expect((await api.get("/health")).body).toMatchObject({ status: "ok", uws: "native" })
    // No runtime runs: the command is accepted, its verdict pending.
    expect((await api.post("/api/v1/tasks", { title: "queued", capability: "c" })).status).toBe(202)
    expect((await api.post("/api/v1/tasks", { title: "x", capability: "c" }, { token: "wrong" })).status).toBe(401)
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    expect((await exited)[0]).toBe(0)
  }, 30_000)

  it("without REDIS_URL and DATABASE_URL says what it needs and exits non-zero", async () => {
    const child = spawn(process.execPath, ["bin/clawbot.js", "edge"], { cwd: ROOT, env: childEnv({}), stdio: ["ignore", "pipe", "pipe"] })
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const [code] = (await once(child, "exit")) as [number | null]
    expect(code).toBe(1)
    expect(stderr).toBe(
      "clawbot: clawbot edge needs REDIS_URL and DATABASE_URL (or --redis-url, --database-url); `clawbot start` starts local servers instead\n",
    )
  }, 30_000)
})
