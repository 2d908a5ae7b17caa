// The SDK's admin client against a real edge and runtime, route group by route group (those built on
// main): what each answers, errors as ClawbotError values (code, message, status), a body the Schemas
// refuse is refused before anything is sent, and a 429 is waited out after its Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ClawbotError, createAdmin, type Admin, type FetchLike } from "../../../src/client/node.ts"
import { waitFor } from "../../support/runtime.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

let t: TestEdge
let admin: Admin
let sent = 0
const counting: FetchLike = (input, init) => {
  sent += 1
  return globalThis.fetch(input, init)
}

beforeAll(async () => {
  t = await testEdge()
  admin = createAdmin({ url: t.url, token: t.operatorToken, fetch: counting })
})
afterAll(async () => {
  await t?.close()
})

const failure = async (promise: Promise<unknown>): Promise<ClawbotError> => {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(ClawbotError)
  return outcome as ClawbotError
}

describe("createAdmin", () => {
  it("agents: register, read, list, heartbeat, rotate the token, deregister", async () => {
    const agent = await admin.agents.register({ name: "adm", capabilities: ["adm-x"], max_concurrency: 2 })
    expect(agent).toMatchObject({ name: "adm", capabilities: ["adm-x"], max_concurrency: 2, status: "offline" })
    const asBot = createAdmin({ url: t.url, token: agent.token })
    expect(await asBot.agents.heartbeat(agent.id, { load: 0 }, { wait: true })).toMatchObject({ id: agent.id, state: "online" })
    expect(await admin.agents.get(agent.id)).toMatchObject({ id: agent.id, status: "online", max_concurrency: 2 })
    const ids: string[] = []
    for await (const item of admin.agents.all({ capability: "adm-x", limit: 1 })) ids.push(item.id)
    expect(ids).toEqual([agent.id])
    const rotated = await admin.agents.rotateToken(agent.id)
    expect(rotated.token).not.toBe(agent.token)
    expect(await failure(asBot.agents.get(agent.id))).toMatchObject({ code: "unauthorized", status: 401 })
    await admin.agents.deregister(agent.id)
    await waitFor("deregistered", async () => ((await admin.agents.get(agent.id)).status === "deregistered" ? true : undefined))
  })

  it("sessions: create a DAG, the lifecycle commands, a checkpoint, the timeline", async () => {
    const created = await admin.sessions.create({
      title: "adm session",
      tasks: [
        { key: "a", title: "A", capability: "adm-none" },
        { key: "b", title: "B", capability: "adm-none", depends_on: ["a"] },
      ],
    })
    expect(created.tasks.map((task) => task.key)).toEqual(["a", "b"])
    expect(await admin.sessions.start(created.id, { wait: true })).toMatchObject({ state: "queued" })
    expect(await admin.sessions.pause(created.id, { wait: true })).toMatchObject({ state: "paused" })
    expect(await admin.sessions.act(created.id, "resume", { wait: true })).toMatchObject({ state: "running" })
    expect(await admin.sessions.checkpoint(created.id, { step: 1 })).toMatchObject({ number: 1 })
    const conflict = await failure(admin.sessions.resume(created.id))
    expect(conflict).toMatchObject({ code: "conflict", status: 409 })
    expect(await admin.sessions.stop(created.id, { wait: true })).toMatchObject({ state: "stopped" })
    const view = await admin.sessions.get(created.id)
    expect(view.tasks.map((task) => task.key).sort()).toEqual(["a", "b"])
    const timeline = await admin.sessions.timeline(created.id)
    expect(timeline.transitions.filter((step) => step.kind === "session").map((step) => step.event)).toContain("PAUSE")
    expect(timeline.next_cursor).toBeNull()
    // By page: the first two, then the rest after them; timelineAll reads every page.
    const firstTwo = await admin.sessions.timeline(created.id, { limit: 2 })
    expect(firstTwo.transitions.map((step) => step.id)).toEqual(timeline.transitions.slice(0, 2).map((step) => step.id))
    const rest = await admin.sessions.timeline(created.id, { cursor: firstTwo.next_cursor! })
    expect(rest.transitions.map((step) => step.id)).toEqual(timeline.transitions.slice(2).map((step) => step.id))
    const all = []
    for await (const step of admin.sessions.timelineAll(created.id, { limit: 2 })) all.push(step)
    expect(all).toEqual(timeline.transitions)
    expect((await admin.sessions.list({ status: "stopped" })).items.map((s) => s.id)).toContain(created.id)
  })

  it("tasks: create, batch, list, the HTTP lifecycle of a bot, cancel", async () => {
    const agent = await admin.agents.register({ name: "http-bot", capabilities: ["adm-http"] })
    const bot = createAdmin({ url: t.url, token: agent.token })
    await bot.agents.heartbeat(agent.id, {}, { wait: true })
    const task = await admin.tasks.create({ title: "by http", capability: "adm-http" })
    await waitFor("assigned", async () => ((await admin.tasks.get(task.id)).status === "assigned" ? true : undefined))
    expect(await bot.tasks.start(task.id, {}, { wait: true })).toMatchObject({ state: "in_progress" })
    await bot.tasks.progress(task.id, { progress: 0.5, message: "half" }, { wait: true })
    expect(await bot.tasks.complete(task.id, { result: { ok: true } }, { wait: true })).toMatchObject({ state: "completed" })
    expect(await admin.tasks.get(task.id)).toMatchObject({ status: "completed", result: { ok: true }, progress_message: "half" })

    const items = await admin.tasks.batch(Array.from({ length: 3 }, (_, i) => ({ title: `batched ${i}`, capability: "adm-none" })))
    expect(items).toHaveLength(3)
    expect(await admin.tasks.cancel(items[0]?.id as string, "enough", { wait: true })).toMatchObject({ state: "cancelled" })
    const listed = await admin.tasks.list({ capability: "adm-none", status: "cancelled" })
    expect(listed.items.map((item) => item.id)).toContain(items[0]?.id)
  })

  it("agents drain and resume; tasks approve and reject; an operator's event to a live actor", async () => {
    const agent = await admin.agents.register({ name: "drained", capabilities: ["adm-drain"] })
    await createAdmin({ url: t.url, token: agent.token }).agents.heartbeat(agent.id, {}, { wait: true })
    expect(await admin.agents.drain(agent.id, { wait: true })).toMatchObject({ state: "draining" })
    expect(await admin.agents.resume(agent.id, { wait: true })).toMatchObject({ state: "online" })

    const gated = await admin.tasks.create({ title: "needs a yes", capability: "adm-none", requires_approval: true })
    await waitFor("awaiting approval", async () =>
      (await admin.tasks.get(gated.id)).status === ("awaiting_approval" as string) ? true : undefined,
    )
    expect(await admin.tasks.approve(gated.id, { wait: true })).toMatchObject({ state: "ready" })
    const refused = await admin.tasks.create({ title: "needs a no", capability: "adm-none", requires_approval: true })
    await waitFor("awaiting approval", async () =>
      (await admin.tasks.get(refused.id)).status === ("awaiting_approval" as string) ? true : undefined,
    )
    expect(await admin.tasks.reject(refused.id, "not now", { wait: true })).toMatchObject({ state: "cancelled" })

    const task = await admin.tasks.create({ title: "poked", capability: "adm-none" })
    expect(await admin.actors.send("task", task.id, { type: "CANCEL", payload: { reason: "operator" } }, { wait: true })).toMatchObject({
      state: "cancelled",
    })
    expect((await admin.actors.history("task", task.id)).transitions.at(-1)).toMatchObject({ event: "CANCEL", by: "operator" })
  })

  it("refuses a body the Schemas refuse, before sending anything", async () => {
    const before = sent
    const bad = await failure(admin.tasks.create({ title: "x", capability: "Not Valid" }))
    expect(bad.code).toBe("validation_failed")
    expect(bad.message).toMatch(/^capability: /u)
    const unknown = await failure(admin.tasks.create({ title: "x", capability: "ok", timeout: 3 } as never))
    expect(unknown.message).toBe("timeout: unknown field")
    const inBatch = await failure(
      admin.tasks.batch([
        { title: "ok", capability: "ok" },
        { title: "", capability: "ok" },
      ]),
    )
    expect(inBatch.message).toMatch(/^tasks\.1\.title: /u)
    expect(sent).toBe(before)
  })

  it("answers the server's refusals as ClawbotError with code, message and status", async () => {
    const missing = await failure(admin.tasks.get("9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"))
    expect(missing).toMatchObject({ code: "not_found", status: 404 })
    const standalone = await failure(
      admin.tasks.create({ title: "x", capability: "ok", session_id: "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11" }),
    )
    expect(standalone).toMatchObject({ code: "validation_failed", status: 400, message: expect.stringMatching(/^session_id: /u) })
    const nobody = createAdmin({ url: t.url })
    expect(await failure(nobody.tasks.list())).toMatchObject({ code: "unauthorized", status: 401 })
    const closed = createAdmin({ url: "http://127.0.0.1:9" })
    expect(await failure(closed.health())).toMatchObject({ code: "unavailable", status: 0 })
  })

  it("machines, actors, history, dead letters, viewer tokens, probes", async () => {
    expect(Object.keys(await admin.machines.list()).sort()).toEqual(["agent", "context", "session", "task"])
    expect(await admin.machines.get("task")).toBeTruthy()
    const task = await admin.tasks.create({ title: "inspected", capability: "adm-none" })
    expect(await admin.actors.get("task", task.id)).toMatchObject({ kind: "task", id: task.id, state: "ready", version: 1 })
    expect((await admin.actors.history("task", task.id)).transitions.map((step) => step.event)).toEqual(["CREATE"])
    await admin.tasks.cancel(task.id, "inspected", { wait: true })
    expect((await admin.actors.list({ kind: "task", state: "cancelled" })).items.map((a) => a.id)).toContain(task.id)

    const { inbox } = t.deployment.keys.partition(0)
    await t.deployment.redis.xadd(inbox, "*", "type", "EXPLODE", "actor", `task:${task.id}`, "payload", "{}")
    const letter = await waitFor("a dead letter", async () => (await admin.deadLetters.list()).items[0])
    expect(await admin.deadLetters.get(letter.id)).toEqual(letter)
    expect(await admin.deadLetters.replay(letter.id)).toMatchObject({ id: letter.id })
    const again = await waitFor("dead again", async () => (await admin.deadLetters.list()).items.find((l) => l.id !== letter.id))
    await admin.deadLetters.delete(again.id)
    expect((await admin.deadLetters.list()).items).toEqual([])

    const viewer = await admin.viewerTokens.create({ name: "dash" })
    const reader = createAdmin({ url: t.url, token: viewer.token })
    expect((await reader.tasks.list({ limit: 1 })).items).toHaveLength(1)
    expect(await failure(reader.tasks.create({ title: "x", capability: "ok" }))).toMatchObject({ code: "forbidden" })
    await admin.viewerTokens.revoke(viewer.id)
    expect(await failure(reader.tasks.list())).toMatchObject({ code: "unauthorized" })

    expect(await admin.health()).toMatchObject({ status: "ok" })
    expect(await admin.live()).toEqual({ status: "live" })
    expect(await admin.ready()).toMatchObject({ ready: true })
    expect(await admin.metrics()).toMatch(/^# HELP/mu)
    expect(await admin.openapi()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/u) })
  })
})

describe("rate limits", () => {
  let limited: TestEdge
  beforeAll(async () => {
    limited = await testEdge({ limits: { perTokenPerSecond: 2 } })
  })
  afterAll(async () => {
    await limited?.close()
  })

  it("waits out a 429 after its Retry-After, or answers it when told not to retry", async () => {
    const viewer = (await limited.api.post("/api/v1/viewer-tokens", { name: "slow" })).body.token as string
    let requests = 0
    const reader = createAdmin({
      url: limited.url,
      token: viewer,
      fetch: (input, init) => {
        requests += 1
        return globalThis.fetch(input, init)
      },
    })
    const answers = await Promise.all(Array.from({ length: 5 }, () => reader.tasks.list({ limit: 1 })))
    expect(answers).toHaveLength(5)
    expect(requests).toBeGreaterThan(5)

    const impatient = createAdmin({ url: limited.url, token: viewer, rateLimitRetries: 0 })
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => impatient.tasks.list({ limit: 1 })))
    const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as ClawbotError] : []))
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]).toMatchObject({ code: "rate_limited", status: 429 })
    expect(refused[0]?.retryAfterS).toBeGreaterThanOrEqual(1)
  })
})
