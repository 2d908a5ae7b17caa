// Starts a real embedded Postgres in a temp dir: connects, keeps data across restarts, stops cleanly and frees its port.
import { execFileSync } from "node:child_process"
import { mkdir, readFile, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MissingDependency, NO_POSTGRES_OS_USER, startEmbeddedPostgres, type EmbeddedServer } from "../../../src/embedded/index.ts"
import { portIsFree, tempDir } from "./helpers.ts"

describe("startEmbeddedPostgres", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const running: EmbeddedServer[] = []

  beforeAll(async () => {
    dir = await tempDir("postgres")
  })
  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()))
    await dir.remove()
  })

  async function start(): Promise<{ server: EmbeddedServer; port: number }> {
    const server = await startEmbeddedPostgres({ dataDir: join(dir.path, "postgres") })
    running.push(server)
    return { server, port: Number(new URL(server.url).port) }
  }

  async function query<T>(url: string, use: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      return await use(sql)
    } finally {
      await sql.end()
    }
  }

  it("serves database clawbot on a free loopback port, keeps data across restarts and releases the port on stop", async () => {
    const first = await start()
    expect(first.server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/clawbot$/)
    expect([5432, 6379]).not.toContain(first.port)
    const [row] = await query(
      first.server.url,
      (sql) => sql`select 1 as one, current_database() as db, current_setting('server_encoding') as encoding`,
    )
    expect(row).toEqual({ one: 1, db: "clawbot", encoding: "UTF8" })
    await query(first.server.url, (sql) => sql`create table kept (note text); insert into kept values ('survives')`.simple())
    if (process.getuid?.() === 0) {
      const postgresUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }))
      expect((await stat(join(dir.path, "postgres", "pgdata"))).uid).toBe(postgresUid)
    }

    await first.server.stop()
    expect(await portIsFree(first.port)).toBe(true)
    expect(await readFile(join(dir.path, "postgres", "postgres.log"), "utf8")).toContain("database system is shut down")

    const second = await start()
    expect(second.server.url.replace(/:\d+\//, "/")).toBe(first.server.url.replace(/:\d+\//, "/"))
    const rows = await query(second.server.url, (sql) => sql`select note from kept`)
    expect(rows.map((r) => r.note)).toEqual(["survives"])
    await second.server.stop()
    await second.server.stop()
    expect(await portIsFree(second.port)).toBe(true)
  }, 120_000)

  it.runIf(process.getuid?.() === 0)("as root with no `postgres` OS user, says what to create or set instead", async () => {
    const fakeBin = join(dir.path, "no-postgres-user-bin")
    await mkdir(fakeBin)
    await writeFile(join(fakeBin, "id"), "#!/bin/sh\necho \"id: '$2': no such user\" >&2\nexit 1\n", { mode: 0o755 })
    const savedPath = process.env.PATH
    process.env.PATH = `${fakeBin}:${savedPath}`
    try {
      const failure = startEmbeddedPostgres({ dataDir: join(dir.path, "no-user") })
      await expect(failure).rejects.toBeInstanceOf(MissingDependency)
      await expect(failure).rejects.toThrow(NO_POSTGRES_OS_USER)
    } finally {
      process.env.PATH = savedPath
    }
    expect(NO_POSTGRES_OS_USER).toContain("DATABASE_URL=")
  })
})
