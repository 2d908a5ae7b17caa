// One `clawbot start` per data folder, and no server left behind: a second start in the same folder is refused,
// the servers a crashed (SIGKILLed) start left running are stopped by the next start, the server stops with its
// children when its parent (npm, a shell) gets SIGTERM or dies, and as root it runs from a folder closed to the
// postgres OS user (mode 700).
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { portIsFree, tempDir } from "../../integration/embedded/helpers.ts"
import { freshSchema, type TestSchema } from "../../support/postgres.ts"
import { waitFor } from "../../support/runtime.ts"
import { BIN, isAlive, lockHolder, type Run, run, terminate } from "./support.ts"

let schema: TestSchema
let dir: Awaited<ReturnType<typeof tempDir>>
/** Embedded Redis (what these tests are about), the shared Postgres (fast). */
let env: Record<string, string>
const runs: Run[] = []
beforeAll(async () => {
  schema = await freshSchema({ migrated: false })
  dir = await tempDir("start-data")
  env = { DATABASE_URL: schema.url, CLAWBOT_PREFIX: schema.schema }
})
afterAll(async () => {
  for (const started of runs) await terminate(started)
  await schema.drop()
  await dir.remove()
})

const start = (dataDir: string, options: { command?: string[] } = {}) => {
  const started = run(["start", "--data-dir", dataDir, "--port", "0"], { env, ...options })
  runs.push(started)
  return started
}
const redisPortOf = async (started: Run) => Number((await started.line(/started redis-server on 127\.0\.0\.1:(\d+)/))[1])
const gone = (what: string, pid: number, redisPort: number) =>
  waitFor(what, async () => (!isAlive(pid) && (await portIsFree(redisPort)) ? true : undefined), 30_000)

describe("the data folder", () => {
  it("refuses a second start in the same folder, naming the first one's pid", async () => {
    const dataDir = join(dir.path, "twice")
    const first = start(dataDir)
    await first.line(/^clawbot: operator token/)
    const holder = await lockHolder(dataDir)
    const second = start(dataDir)
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toBe(
      `clawbot: another clawbot (pid ${holder}) is running on the data folder ${dataDir}\n` +
        `clawbot: to fix: stop it first (kill ${holder}), or give this one its own folder with --data-dir (CLAWBOT_DATA_DIR)\n`,
    )
    expect(second.stdout.filter((line) => line.includes("started redis-server"))).toEqual([])
    expect(await terminate(first)).toBe(0)
  })

  it("stops the servers a SIGKILLed start left running, and starts again in the same folder", async () => {
    const dataDir = join(dir.path, "crash")
    const crashed = start(dataDir)
    const orphanPort = await redisPortOf(crashed)
    await crashed.line(/^clawbot: operator token/)
    crashed.child.kill("SIGKILL")
    await crashed.exited
    expect(await portIsFree(orphanPort)).toBe(false)

    const next = start(dataDir)
    const port = await redisPortOf(next)
    await next.line(/^clawbot: operator token/)
    expect(await portIsFree(orphanPort)).toBe(true)
    expect(await terminate(next)).toBe(0)
    expect(await portIsFree(port)).toBe(true)
  })
})

describe("the server's parent", () => {
  it("stopping `npm start` with SIGTERM stops the server and its redis-server", async () => {
    const dataDir = join(dir.path, "npm")
    const npm = start(dataDir, { command: ["npm", "start", "--"] })
    const redisPort = await redisPortOf(npm)
    await npm.line(/^clawbot: operator token/)
    const server = await lockHolder(dataDir)
    npm.child.kill("SIGTERM")
    await gone("the server and its redis-server to stop", server, redisPort)
  })

  it("when the parent dies (SIGKILL), the server stops with its redis-server", async () => {
    const dataDir = join(dir.path, "orphan")
    // `; true` keeps the shell as the parent rather than exec-ing node in its place.
    const shell = start(dataDir, { command: ["sh", "-c", `"${process.execPath}" "${BIN}" "$@"; true`, "sh"] })
    const redisPort = await redisPortOf(shell)
    await shell.line(/^clawbot: operator token/)
    const server = await lockHolder(dataDir)
    expect(server).not.toBe(shell.child.pid)
    shell.child.kill("SIGKILL")
    await gone("the orphaned server and its redis-server to stop", server, redisPort)
  })
})

describe.runIf(process.getuid?.() === 0)("as root", () => {
  it("runs the embedded Postgres from a folder the postgres OS user cannot enter", async () => {
    const closed = await mkdtemp(join(tmpdir(), "clawbot-closed-"))
    try {
      const started = run(["start", "--port", "0"], { cwd: closed, env: {} })
      runs.push(started)
      const [, where] =
        (await started.line(/^clawbot: started embedded Postgres on \S+ \(data in (\S+), as the postgres OS user cannot reach/)) ?? []
      await started.line(/^clawbot: operator token/)
      expect(await terminate(started)).toBe(0)
      expect((await readFile(join(closed, ".clawbot/postgres/pgdata-location"), "utf8")).trim()).toBe(where)
      await rm(dirname(where!), { recursive: true, force: true })
    } finally {
      await rm(closed, { recursive: true, force: true })
    }
  })
})
