// A start that cannot go on says so in two plain lines, naming the server, its URL without password and the
// fix, and exits 1 without a stack trace; two deployments never share a port; once it serves, the banner
// ends with the URL, the dashboard and the operator token alone on the last line.
import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findFreePort } from "../../../src/embedded/free-port.ts"
import { httpClient } from "../../support/edge.ts"
import { freshSchema, type TestSchema } from "../../support/postgres.ts"
import { redisUrl } from "../../support/redis.ts"
import { run, terminate } from "./support.ts"

let schema: TestSchema
let shared: Record<string, string>
beforeAll(async () => {
  schema = await freshSchema({ migrated: false })
  shared = { REDIS_URL: await redisUrl(), DATABASE_URL: schema.url, CLAWBOT_PREFIX: schema.schema }
})
afterAll(() => schema.drop())

describe("clawbot start fails plainly", () => {
  it("names Redis and its URL when Redis does not answer", async () => {
    const started = run(["start", "--port", "0"], { env: { ...shared, REDIS_URL: "redis://127.0.0.1:1" } })
    expect(await started.exited).toBe(1)
    expect(started.stderr()).toBe(
      "clawbot: cannot reach Redis at redis://127.0.0.1:1 (connection refused: nothing listens there)\n" +
        "clawbot: to fix: start that Redis, or point REDIS_URL (--redis-url) at one that runs; unset, clawbot start runs its own redis-server\n",
    )
  })

  it("names Postgres and its URL, without the password, when Postgres does not answer", async () => {
    const started = run(["start", "--port", "0"], { env: { ...shared, DATABASE_URL: "postgres://clawbot:s3cret@127.0.0.1:1/clawbot" } })
    expect(await started.exited).toBe(1)
    expect(started.stderr()).toBe(
      "clawbot: cannot reach Postgres at postgres://clawbot:***@127.0.0.1:1/clawbot (connection refused: nothing listens there)\n" +
        "clawbot: to fix: start that Postgres (or create its database), or point DATABASE_URL (--database-url) at one that runs; unset, clawbot start runs an embedded one\n",
    )
  })

  it("refuses a port in use, naming it", async () => {
    const port = await findFreePort()
    const other: Server = createServer()
    await new Promise<void>((resolve) => other.listen(port, "127.0.0.1", resolve))
    try {
      const started = run(["start", "--port", String(port)], { env: shared })
      expect(await started.exited).toBe(1)
      expect(started.stderr()).toBe(
        `clawbot: port ${port} on 127.0.0.1 is already in use (another clawbot, or another program)\n` +
          "clawbot: to fix: stop what listens there, or choose another port with --port (PORT)\n",
      )
    } finally {
      other.close()
    }
  })
})

describe("clawbot start serving", () => {
  it("prints the URL and the dashboard, then the token alone on the last line; a second deployment on its port is refused", async () => {
    const port = await findFreePort()
    // Without the front door uWS itself listens, with SO_REUSEPORT: the kernel would split a port between two.
    const first = run(["start", "--port", String(port)], { env: { ...shared, CLAWBOT_FRONT_DOOR: "false" } })
    try {
      await first.line(/^clawbot: operator token/)
      const token = await first.line(/^[A-Za-z0-9_-]{40,}$/)
      const url = `http://127.0.0.1:${port}`
      expect(first.stdout.filter((line) => line.startsWith("clawbot: "))).toEqual([
        `clawbot: listening on ${url} (HTTP API under /api/v1, WebSockets /ws/control and /ws/events)`,
        `clawbot: dashboard: ${url}/`,
        "clawbot: operator token (shown this once; only its hash is stored):",
      ])
      expect(first.stdout.at(-1)).toBe(token[0])
      expect(first.stdout.filter((line) => line.includes("partition acquired"))).toEqual([])
      expect((await httpClient(url, token[0]).get("/api/v1/agents")).status).toBe(200)

      const second = run(["start", "--port", String(port)], { env: { ...shared, CLAWBOT_FRONT_DOOR: "false" } })
      expect(await second.exited).toBe(1)
      expect(second.stderr()).toContain(`clawbot: port ${port} on 127.0.0.1 is already in use`)
    } finally {
      expect(await terminate(first)).toBe(0)
    }
  })
})
