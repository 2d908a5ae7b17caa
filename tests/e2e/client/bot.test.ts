// The SDK bot against a real edge and runtime: a handler's result completes the task and its throw
// fails it; progress is recorded; no more tasks run at once than the agent's max_concurrency; a
// task_cancelled aborts the handler's signal; a socket dropped mid-task resumes and the task sent
// again is not run twice; a late report the server refuses reaches onError and the bot runs on.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectBot, type Bot, type ClawbotError } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { deferred, FAST_BACKOFF, gate, registerAgent, taskReaches as reaches } from "./support.ts"

let t: TestEdge
const bots: Bot[] = []
beforeAll(async () => {
  t = await testEdge()
})
afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close({ timeoutMs: 100 })))
  await t?.close()
})

const startBot = (token: string, extra: Partial<Parameters<typeof connectBot>[0]> = {}) => {
  const bot = connectBot({ url: t.url, token, backoff: FAST_BACKOFF, ...extra })
  bots.push(bot)
  return bot
}

const createTask = async (capability: string, extra: Record<string, unknown> = {}): Promise<string> => {
  const answer = await t.api.post("/api/v1/tasks", { title: `a ${capability} task`, capability, ...extra })
  expect(answer.status).toBe(201)
  return answer.body.id as string
}

const taskReaches = (id: string, status: string) => reaches({ url: t.url, token: t.operatorToken }, id, status)

describe("connectBot", () => {
  it("completes a task with the handler's result, after its progress", async () => {
    const agent = await registerAgent(t.api, ["sdk-echo"])
    const bot = startBot(agent.token).handle("sdk-echo", async (task, ctx) => {
      await ctx.progress(0.5, "half way")
      return { echoed: task.payload, attempt: ctx.attempt }
    })
    expect(await bot.connected()).toMatchObject({ agent_id: agent.id, session_resumed: false })
    const id = await createTask("sdk-echo", { payload: { say: "hi" } })
    const done = await taskReaches(id, "completed")
    expect(done).toMatchObject({
      result: { echoed: { say: "hi" }, attempt: 1 },
      progress: 1,
      progress_message: "half way",
      agent_id: agent.id,
    })
  })

  it("fails the attempt with the message of what the handler threw", async () => {
    const agent = await registerAgent(t.api, ["sdk-throw"])
    startBot(agent.token).handle("sdk-throw", async () => {
      throw new Error("disk full")
    })
    const id = await createTask("sdk-throw", { max_attempts: 1 })
    expect(await taskReaches(id, "failed")).toMatchObject({ error: "disk full", attempt: 1 })
  })

  it("runs no more tasks at once than the agent's max_concurrency", async () => {
    const agent = await registerAgent(t.api, ["sdk-pool"], { max_concurrency: 2 })
    let now = 0
    let most = 0
    const release = deferred()
    const full = deferred()
    startBot(agent.token).handle("sdk-pool", async () => {
      now += 1
      most = Math.max(most, now)
      if (now === 2) full.resolve()
      await release.promise
      now -= 1
      return "ok"
    })
    const ids = await Promise.all(Array.from({ length: 5 }, () => createTask("sdk-pool")))
    // Two run; the others wait for room (the server assigns no more than max_concurrency either).
    await full.promise
    release.resolve()
    for (const id of ids) await taskReaches(id, "completed")
    expect(most).toBe(2)
  })

  it("aborts the handler's signal on task_cancelled and reports nothing for it", async () => {
    const agent = await registerAgent(t.api, ["sdk-cancel"])
    const aborted = deferred<unknown>()
    const errors: ClawbotError[] = []
    startBot(agent.token, { onError: (error) => errors.push(error) }).handle(
      "sdk-cancel",
      (_task, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => {
            aborted.resolve(ctx.signal.reason)
            reject(ctx.signal.reason)
          })
        }),
    )
    const id = await createTask("sdk-cancel")
    await taskReaches(id, "in_progress")
    expect((await t.api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "not needed" })).status).toBe(200)
    expect(await aborted.promise).toMatchObject({ name: "TaskAborted", why: "cancelled", message: "not needed" })
    expect(await taskReaches(id, "cancelled")).toMatchObject({ cancel_reason: "not needed" })
    expect(errors).toEqual([])
  })

  it("resumes after its socket is dropped mid-task, and does not run the task sent again twice", async () => {
    const agent = await registerAgent(t.api, ["sdk-resume"])
    const release = deferred()
    const started = deferred()
    let calls = 0
    const bot = startBot(agent.token).handle("sdk-resume", async () => {
      calls += 1
      started.resolve()
      await release.promise
      return { calls }
    })
    const id = await createTask("sdk-resume")
    await started.promise
    await taskReaches(id, "in_progress")
    bot.drop()
    const again = await new Promise((resolve) => {
      const wait = () => (bot.connections === 2 ? resolve(bot.connected()) : setTimeout(wait, 10))
      wait()
    })
    expect(again).toMatchObject({ session_resumed: true })
    release.resolve()
    expect(await taskReaches(id, "completed")).toMatchObject({ result: { calls: 1 }, attempt: 1 })
    expect(calls).toBe(1)
  })

  it("passes a late report the server refuses to onError and keeps running tasks", async () => {
    const agent = await registerAgent(t.api, ["sdk-late"])
    const net = gate()
    const refused = deferred<{ error: ClawbotError; context: unknown }>()
    const release = deferred()
    const bot = startBot(agent.token, { WebSocket: net.WebSocket, onError: (error, context) => refused.resolve({ error, context }) })
    bot.handle("sdk-late", async (task) => {
      if (task.title === "late") await release.promise
      return "done"
    })
    const late = await createTask("sdk-late", { title: "late" })
    await taskReaches(late, "in_progress")
    // Out of reach, the task is taken away; the bot never hears it and finishes anyway.
    net.close()
    bot.drop()
    expect((await t.api.post(`/api/v1/tasks/${late}/cancel?wait=1`, { reason: "gone" })).status).toBe(200)
    release.resolve()
    net.open()
    const { error, context } = await refused.promise
    expect(error).toMatchObject({ code: "conflict" })
    expect(context).toEqual({ taskId: late, attempt: 1, frame: "task_complete" })
    const next = await createTask("sdk-late", { title: "next" })
    expect(await taskReaches(next, "completed")).toMatchObject({ result: "done" })
    expect(await taskReaches(late, "cancelled")).toMatchObject({ cancel_reason: "gone" })
  })

  it("has its report of a stale attempt refused without crashing, while the new attempt completes elsewhere", async () => {
    const slow = await registerAgent(t.api, ["sdk-stale"])
    const net = gate()
    const refused = deferred<{ error: ClawbotError; context: unknown }>()
    const release = deferred()
    const started = deferred()
    const first = startBot(slow.token, { WebSocket: net.WebSocket, onError: (error, context) => refused.resolve({ error, context }) })
    first.handle("sdk-stale", async () => {
      started.resolve()
      await release.promise
      return "late"
    })
    const id = await createTask("sdk-stale", { timeout_s: 1, max_attempts: 3 })
    await started.promise
    // Out of reach while its attempt times out: it never hears task_cancelled.
    net.close()
    first.drop()
    const fast = await registerAgent(t.api, ["sdk-stale"])
    startBot(fast.token).handle("sdk-stale", async (_task, ctx) => ({ attempt: ctx.attempt }))
    expect(await taskReaches(id, "completed")).toMatchObject({ result: { attempt: 2 }, agent_id: fast.id })
    release.resolve()
    net.open()
    const { error, context } = await refused.promise
    expect(error).toMatchObject({ code: "conflict" })
    expect(context).toEqual({ taskId: id, attempt: 1, frame: "task_complete" })
    expect((await t.api.get(`/api/v1/tasks/${id}`)).body).toMatchObject({ status: "completed", result: { attempt: 2 } })
  })

  it("closes gracefully: a running handler finishes and is reported; past the timeout its signal aborts", async () => {
    const agent = await registerAgent(t.api, ["sdk-close"], { max_concurrency: 2 })
    const started: string[] = []
    const reasons: unknown[] = []
    const bot = connectBot({ url: t.url, token: agent.token, backoff: FAST_BACKOFF }).handle("sdk-close", async (task, ctx) => {
      started.push(task.title)
      if (task.title === "quick") return new Promise((resolve) => setTimeout(() => resolve("finished while closing"), 200))
      return new Promise((_resolve, reject) =>
        ctx.signal.addEventListener("abort", () => {
          reasons.push(ctx.signal.reason)
          reject(ctx.signal.reason)
        }),
      )
    })
    const quick = await createTask("sdk-close", { title: "quick" })
    const stuck = await createTask("sdk-close", { title: "stuck" })
    await taskReaches(quick, "in_progress")
    await taskReaches(stuck, "in_progress")
    await bot.close({ timeoutMs: 1_000 })
    expect(await taskReaches(quick, "completed")).toMatchObject({ result: "finished while closing" })
    expect(reasons).toMatchObject([{ name: "TaskAborted", why: "closing" }])
    // Not reported: the task stays with the (now offline) agent until its heartbeat expires.
    expect((await t.api.get(`/api/v1/tasks/${stuck}`)).body).toMatchObject({ status: "in_progress", agent_id: agent.id })
  })

  it("stops with unauthorized on a token the server refuses", async () => {
    const bot = startBot("no-such-token")
    await expect(bot.connected()).rejects.toMatchObject({ code: "unauthorized", status: 401 })
  })
})
