// The product as a user meets it: `clawbot start` running as its own process on real Redis and
// Postgres; a bot built on the client SDK (`connectBot`) connects, gets work, reports progress and
// completes it; a dashboard subscribed to `machines` (`subscribe`) sees every transition Postgres
// recorded. The frames themselves, byte by byte, are checked by tests/e2e/sockets/conformance.test.ts (its rule ./conformance/frame-shapes.ts).
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectBot, subscribe, type AssignedTask, type ClawbotError, type SubscribedEvent } from "../../src/client/node.ts"
import { freshSchema, type TestSchema } from "../support/postgres.ts"
import { redisUrl } from "../support/redis.ts"
import { waitFor } from "../support/runtime.ts"
import { openRedis, close } from "../../src/redis/client.ts"
import { keysFor } from "../../src/redis/keys.ts"

const ROOT = join(import.meta.dirname, "../..")
const OPERATOR = "acceptance-operator-token-0123456789"

let schema: TestSchema
let child: ChildProcess
let base = ""

const api = async (method: string, path: string, body?: object) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

beforeAll(async () => {
  schema = await freshSchema({ migrated: false })
  child = spawn(process.execPath, ["bin/clawbot.js", "start", "--port", "0", "--log-level", "warn"], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: await redisUrl(),
      DATABASE_URL: schema.url,
      CLAWBOT_PREFIX: schema.schema,
      CLAWBOT_PARTITIONS: "4",
      CLAWBOT_OPERATOR_TOKEN: OPERATOR,
    },
    stdio: ["ignore", "pipe", "inherit"],
  })
  base = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`clawbot start exited with ${code}`)))
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1]
      if (url) resolve(url)
    })
  })
}, 60_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    await exited
  }
  const redis = await openRedis(await redisUrl())
  for (const pattern of keysFor(schema.schema).patterns) {
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 })) {
      if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]))
    }
  }
  await close(redis)
  await schema.drop()
}, 60_000)

describe("acceptance: an SDK bot and a dashboard against clawbot start", () => {
  it("connects, gets work, completes it, and the dashboard sees every transition", async () => {
    const heard: SubscribedEvent[] = []
    const dashboard = subscribe({ url: base, token: OPERATOR, topics: ["machines"], onEvent: (event) => heard.push(event) })
    await dashboard.ready()

    const registered = await api("POST", "/api/v1/agents", { name: "sdk-bot", capabilities: ["code"] })
    expect(registered.status).toBe(201)
    const agentId = String(registered.body["id"])
    const errors: ClawbotError[] = []
    const handled: AssignedTask[] = []
    const bot = connectBot({ url: base, token: String(registered.body["token"]), onError: (error) => errors.push(error) })
    bot.handle("code", async (task, ctx) => {
      handled.push(task)
      await ctx.progress(0.5, "halfway")
      return { fixed: true }
    })
    expect(await bot.connected()).toMatchObject({ agent_id: agentId, session_resumed: false })

    const created = await api("POST", "/api/v1/tasks", { title: "fix the flaky test", capability: "code", payload: { file: "a.ts" } })
    expect(created.status).toBe(201)
    const taskId = String(created.body["id"])

    const done = await waitFor("the task completed", async () => {
      const task = await api("GET", `/api/v1/tasks/${taskId}`)
      return task.body["status"] === "completed" ? task.body : undefined
    })
    expect(done).toMatchObject({ result: { fixed: true }, progress_message: "halfway", attempt: 1 })
    expect(handled).toEqual([
      expect.objectContaining({ task_id: taskId, capability: "code", title: "fix the flaky test", payload: { file: "a.ts" }, attempt: 1 }),
    ])
    expect(bot.connections).toBe(1)
    expect(errors).toEqual([])

    // Every transition Postgres recorded for the task and the agent reached the dashboard, in order.
    const recorded = await schema.sql<{ actor_id: string; from_state: string | null; to_state: string; event: string }[]>`
      select actor_id, from_state, to_state, event from transitions where actor_id in (${taskId}, ${agentId}) order by id`
    const seen = await waitFor("the dashboard to see them all", async () => {
      const mine = heard.filter((event) => event.actor_id === taskId || event.actor_id === agentId)
      return mine.length >= recorded.length ? mine : undefined
    })
    const pick = (actor: string, rows: Array<{ actor: string; from: unknown; to: unknown; event: unknown }>) =>
      rows.filter((row) => row.actor === actor).map(({ from, to, event }) => ({ from, to, event }))
    const fromDb = recorded.map((row) => ({ actor: row.actor_id, from: row.from_state, to: row.to_state, event: row.event }))
    const fromDashboard = seen.map((event) => ({ actor: event.actor_id, from: event.from, to: event.to, event: event.event }))
    for (const actor of [taskId, agentId]) expect(pick(actor, fromDashboard)).toEqual(pick(actor, fromDb))
    // Created assigned when the router knew the bot's free slot as it came (a gift at intake), else ready first.
    const run = ["assigned", "in_progress", "in_progress", "completed"]
    expect([run, ["ready", ...run]]).toContainEqual(pick(taskId, fromDb).map((row) => row.to))

    await bot.close()
    await dashboard.close()
  }, 60_000)
})
