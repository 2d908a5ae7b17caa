// An approval inside a session's DAG, end to end over HTTP on a real runtime with a bot working over HTTP: the
// gate waits for approval only once its dependency completed, its dependants wait while it does; approved, it
// runs and the session completes; rejected, its dependants are cancelled by the DAG rule and the session ends
// partially completed. A session's task keeps every field of its spec (this once lost `requires_approval` and `group`).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { httpBot, sessionIn, taskIn, type HttpBot } from "./coordination-support.ts"

describe("an approval inside a session", () => {
  let t: TestEdge
  let api: Client
  let bot: HttpBot

  /** build → gate (requires approval) → ship, and docs beside them; answers the session and its tasks by key. */
  const release = async (title: string) => {
    const answer = await api.post("/api/v1/sessions", {
      title,
      start: true,
      tasks: [
        { key: "build", title: "Build", capability: "appr-build" },
        {
          key: "gate",
          title: "Deploy",
          capability: "appr-deploy",
          depends_on: ["build"],
          requires_approval: true,
          group: "appr-tenant",
          max_attempts: 2,
        },
        { key: "ship", title: "Announce", capability: "appr-build", depends_on: ["gate"] },
        { key: "docs", title: "Docs", capability: "appr-build" },
      ],
    })
    expect(answer.status).toBe(201)
    const ids = Object.fromEntries((answer.body.tasks as Array<{ key: string; id: string }>).map((task) => [task.key, task.id]))
    return { id: answer.body.id as string, build: ids.build!, gate: ids.gate!, ship: ids.ship!, docs: ids.docs! }
  }
  const read = async (id: string) => (await api.get(`/api/v1/tasks/${id}`)).body

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
    bot = await httpBot(api, t.url, "appr-bot", ["appr-build", "appr-deploy"], 3)
  })
  afterAll(async () => {
    await t?.close()
  })

  it("approved: the gate waits for its dependency, then for approval while its dependant waits; then it runs and the session completes", async () => {
    const session = await release("appr-approved")
    // A session's task keeps every field of its spec (approval, group, attempts), as a standalone one does.
    expect(await taskIn(api, session.gate, "blocked")).toMatchObject({
      requires_approval: true,
      approved_at: null,
      group: "appr-tenant",
      max_attempts: 2,
    })
    const early = await api.post(`/api/v1/tasks/${session.gate}/approve`)
    expect(early.status).toBe(409)
    expect(early.body).toEqual({ error: { code: "conflict", message: "APPROVE is not accepted while the task is blocked" } })

    await bot.work(session.build, "complete")
    await bot.work(session.docs, "complete")
    expect(await taskIn(api, session.gate, "awaiting_approval")).toMatchObject({ agent_id: null })
    expect(await read(session.ship)).toMatchObject({ status: "blocked", agent_id: null })
    // The session counts the gate as blocked and goes on running.
    expect((await api.get(`/api/v1/sessions/${session.id}`)).body).toMatchObject({
      status: "running",
      task_counts: { completed: 2, blocked: 2, ready: 0, assigned: 0 },
    })

    const approved = await api.post(`/api/v1/tasks/${session.gate}/approve?wait=1`)
    expect(approved.body).toMatchObject({ id: session.gate, state: "ready" })
    await bot.work(session.gate, "complete")
    await bot.work(session.ship, "complete")
    expect(await sessionIn(api, session.id, "completed")).toMatchObject({ task_counts: { completed: 4 } })
    expect(await read(session.gate)).toMatchObject({ status: "completed", approved_at: expect.stringMatching(/Z$/) })
  })

  it("rejected: the gate is cancelled, its dependant by the DAG rule, the rest completes: partially completed", async () => {
    const session = await release("appr-rejected")
    await bot.work(session.build, "complete")
    await taskIn(api, session.gate, "awaiting_approval")
    const rejected = await api.post(`/api/v1/tasks/${session.gate}/reject?wait=1`, { reason: "not during the freeze" })
    expect(rejected.body).toMatchObject({ id: session.gate, state: "cancelled" })
    expect(await read(session.gate)).toMatchObject({ status: "cancelled", cancel_reason: "not during the freeze", agent_id: null })
    expect(await taskIn(api, session.ship, "cancelled")).toMatchObject({
      cancel_reason: `dependency ${session.gate} cancelled`,
      agent_id: null,
      attempt: 0,
    })
    await bot.work(session.docs, "complete")
    const ended = await sessionIn(api, session.id, "partially_completed")
    expect(ended).toMatchObject({ task_counts: { completed: 2, cancelled: 2 } })
  })
})
