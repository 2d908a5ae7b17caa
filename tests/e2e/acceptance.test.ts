// The product as a user meets it: `clawbot start` running as its own process on real Redis and
// Postgres; a bot written only from PROTOCOL.md with the plain `ws` package connects, gets work
// and completes it; a dashboard subscribed to `machines` sees every transition Postgres recorded.
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { freshSchema, type TestSchema } from "../support/postgres.ts"
import { redisUrl } from "../support/redis.ts"
import { waitFor } from "../support/runtime.ts"
import { openRedis, close } from "../../src/redis/client.ts"
import { keysFor } from "../../src/redis/keys.ts"

const ROOT = join(import.meta.dirname, "../..")
const OPERATOR = "acceptance-operator-token-0123456789"

interface Frame {
  readonly type: string
  readonly id?: string
  readonly payload: Record<string, unknown>
}

/** A socket that keeps every frame it received and can wait for one. */
const connect = async (url: string) => {
  const socket = new WebSocket(url)
  const frames: Frame[] = []
  socket.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame))
  await once(socket, "open")
  return {
    socket,
    frames,
    send: (frame: object) => socket.send(JSON.stringify(frame)),
    next: (what: string, match: (frame: Frame) => boolean) => waitFor(what, async () => frames.find(match)),
  }
}

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

describe("acceptance: a plain ws bot and a dashboard against clawbot start", () => {
  it("connects, gets work, completes it, and the dashboard sees every transition", async () => {
    const ws = base.replace(/^http/, "ws")
    const dashboard = await connect(`${ws}/ws/events?topics=machines&token=${OPERATOR}`)

    const registered = await api("POST", "/api/v1/agents", { name: "plain-ws-bot", capabilities: ["code"] })
    expect(registered.status).toBe(201)
    const agentId = String(registered.body["id"])
    const bot = await connect(`${ws}/ws/control?token=${String(registered.body["token"])}`)
    const connected = await bot.next("connected", (frame) => frame.type === "connected")
    expect(bot.frames[0]).toBe(connected)
    expect(connected.payload).toMatchObject({ agent_id: agentId, session_resumed: false })

    const created = await api("POST", "/api/v1/tasks", { title: "fix the flaky test", capability: "code", payload: { file: "a.ts" } })
    expect(created.status).toBe(201)
    const taskId = String(created.body["id"])

    const assigned = await bot.next("task_assigned", (frame) => frame.type === "task_assigned" && frame.payload["task_id"] === taskId)
    expect(assigned.payload).toMatchObject({
      task_id: taskId,
      capability: "code",
      title: "fix the flaky test",
      payload: { file: "a.ts" },
      attempt: 1,
    })
    bot.send({ type: "task_started", id: "f-1", payload: { task_id: taskId } })
    await bot.next("ack of task_started", (frame) => frame.type === "ack" && frame.payload["ref"] === "f-1")
    bot.send({ type: "task_progress", id: "f-2", payload: { task_id: taskId, progress: 0.5, message: "halfway" } })
    bot.send({ type: "task_complete", id: "f-3", payload: { task_id: taskId, success: true, result: { fixed: true } } })
    await bot.next("ack of task_complete", (frame) => frame.type === "ack" && frame.payload["ref"] === "f-3")
    expect(bot.frames.filter((frame) => frame.type === "error")).toEqual([])

    await waitFor("the task completed", async () => {
      const task = await api("GET", `/api/v1/tasks/${taskId}`)
      return task.body["status"] === "completed" ? task : undefined
    })

    // Every transition Postgres recorded for the task and the agent reached the dashboard, in order.
    const recorded = await schema.sql<{ actor_id: string; from_state: string | null; to_state: string; event: string }[]>`
      select actor_id, from_state, to_state, event from transitions where actor_id in (${taskId}, ${agentId}) order by id`
    const seen = await waitFor("the dashboard to see them all", async () => {
      const events = new Map<string, Record<string, unknown>>()
      for (const frame of dashboard.frames) if (frame.type === "event") events.set(String(frame.payload["id"]), frame.payload)
      const mine = [...events.values()].filter((event) => event["actor_id"] === taskId || event["actor_id"] === agentId)
      return mine.length >= recorded.length ? mine : undefined
    })
    const pick = (actor: string, rows: Array<{ actor: string; from: unknown; to: unknown; event: unknown }>) =>
      rows.filter((row) => row.actor === actor).map(({ from, to, event }) => ({ from, to, event }))
    const fromDb = recorded.map((row) => ({ actor: row.actor_id, from: row.from_state, to: row.to_state, event: row.event }))
    const fromDashboard = seen.map((event) => ({
      actor: String(event["actor_id"]),
      from: event["from"],
      to: event["to"],
      event: event["event"],
    }))
    for (const actor of [taskId, agentId]) expect(pick(actor, fromDashboard)).toEqual(pick(actor, fromDb))
    expect(pick(taskId, fromDb).map((row) => row.to)).toEqual(["ready", "assigned", "in_progress", "in_progress", "completed"])

    bot.socket.close()
    dashboard.socket.close()
  }, 60_000)
})
