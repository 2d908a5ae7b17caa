// The real `clawbot start` as a child process with no REDIS_URL or DATABASE_URL: it starts its own
// redis-server and Postgres under --data-dir, serves HTTP, prints the operator token once (later
// starts say it is stored), and on SIGTERM stops them; without redis-server it says what to install.
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { REDIS_SERVER_MISSING } from "../../../src/embedded/index.ts"
import { portIsFree, tempDir } from "../../integration/embedded/helpers.ts"
import { httpClient } from "../../support/edge.ts"

const ROOT = join(import.meta.dirname, "../../..")
const UNSET = [
  "REDIS_URL",
  "DATABASE_URL",
  "CLAWBOT_OPERATOR_TOKEN",
  "PORT",
  "HOST",
  "CLAWBOT_PREFIX",
  "CLAWBOT_DATA_DIR",
  "UWS_USE_FALLBACK",
]

const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra }
  for (const name of UNSET) delete env[name]
  return env
}

interface Started {
  readonly child: ChildProcess
  readonly lines: string[]
  readonly url: string
  readonly redisPort: number
  readonly postgresPort: number
}

/** Runs `clawbot start` and resolves once it printed its operator-token line. */
const start = (dataDir: string): Promise<Started> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/clawbot.js", "start", "--data-dir", dataDir, "--port", "0", "--log-level", "warn"], {
      cwd: ROOT,
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    })
    const lines: string[] = []
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("exit", (code) => reject(new Error(`clawbot start exited (${code}) before it served:\n${lines.join("\n")}\n${stderr}`)))
    let tokenNext = false
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      lines.push(line)
      // A token generated now comes alone on the line after its heading; a stored one is said in one line.
      if (line === "clawbot: operator token (shown this once; only its hash is stored):") tokenNext = true
      else if (!tokenNext && !line.startsWith("clawbot: operator token")) return
      if (tokenNext && !/^[A-Za-z0-9_-]{40,}$/.test(line)) return
      const find = (pattern: RegExp) => Number(lines.map((l) => pattern.exec(l)?.[1]).find(Boolean))
      const url = lines.map((l) => /listening on (http:\/\/\S+)/.exec(l)?.[1]).find(Boolean) ?? ""
      resolve({
        child,
        lines,
        url,
        redisPort: find(/redis-server on 127\.0\.0\.1:(\d+)/),
        postgresPort: find(/Postgres on 127\.0\.0\.1:(\d+)/),
      })
    })
  })

const terminate = async (child: ChildProcess): Promise<number | null> => {
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  const [code] = (await exited) as [number | null]
  return code
}

describe("clawbot start", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const children: ChildProcess[] = []

  beforeAll(async () => {
    dir = await tempDir("start")
  })
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) await terminate(child)
    await dir?.remove()
  })

  it("runs on embedded Redis and Postgres, serves the API, and stops them on SIGTERM", async () => {
    const dataDir = join(dir.path, "data")
    const first = await start(dataDir)
    children.push(first.child)
    expect(first.lines.at(-2)).toBe("clawbot: operator token (shown this once; only its hash is stored):")
    const token = first.lines.at(-1)
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect([first.redisPort, first.postgresPort].every((port) => port > 0 && port !== 5432 && port !== 6379)).toBe(true)

    const api = httpClient(first.url, token)
    const agent = await api.post("/api/v1/agents", { name: "embedded", capabilities: ["code"] })
    expect(agent.status).toBe(201)
    expect((await api.get(`/api/v1/agents/${agent.body.id}`)).body).toMatchObject({ name: "embedded", status: "offline" })
    expect((await api.get("/ready")).body.checks.partitions).toHaveLength(16)

    expect(await terminate(first.child)).toBe(0)
    expect(await portIsFree(first.redisPort)).toBe(true)
    expect(await portIsFree(first.postgresPort)).toBe(true)

    // A later start keeps the data and the token, and does not print it again.
    const second = await start(dataDir)
    children.push(second.child)
    expect(second.lines.at(-1)).toBe(
      "clawbot: operator token: the one generated at first start (stored hashed); to use a new one set CLAWBOT_OPERATOR_TOKEN or --operator-token",
    )
    const again = httpClient(second.url, token)
    expect((await again.get(`/api/v1/agents/${agent.body.id}`)).status).toBe(200)
    expect((await again.post("/api/v1/tasks", { title: "t", capability: "code" })).status).toBe(201)
    expect(await terminate(second.child)).toBe(0)
    expect(await portIsFree(second.redisPort)).toBe(true)
    expect(await portIsFree(second.postgresPort)).toBe(true)
  }, 90_000)

  it("without redis-server and REDIS_URL says what to install or set, and exits non-zero", async () => {
    const emptyPath = join(dir.path, "empty-bin")
    await mkdir(emptyPath, { recursive: true })
    const child = spawn(process.execPath, ["bin/clawbot.js", "start", "--data-dir", join(dir.path, "nothing"), "--port", "0"], {
      cwd: ROOT,
      env: childEnv({ PATH: emptyPath }),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const [code] = (await once(child, "exit")) as [number | null]
    expect(code).toBe(1)
    expect(stderr).toBe(`clawbot: ${REDIS_SERVER_MISSING}\n`)
  }, 30_000)
})
