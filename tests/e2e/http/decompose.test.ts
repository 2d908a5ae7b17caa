// POST /tasks/{id}/decompose over HTTP on real Redis and Postgres: each template's subtasks join the task's
// session (created by the session machine), with PERT estimates and the critical path; the task waits for
// them; max_depth respected; refusals write nothing; GET /tasks/{id}/dependencies answers the graph.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { httpBot, sessionIn, taskIn } from "./coordination-support.ts"

const TEMPLATE_KEYS = {
  microservice: ["shared", "data.schema", "data.repository", "data", "service", "api.routes", "api.contract", "api"],
  crud: ["validate", "authorize", "create", "read", "update", "delete"],
  security: ["threat_model", "identity.authentication", "identity.sessions", "identity", "access_control", "encryption", "audit"],
  ui_component: ["components.markup", "components.accessibility", "components", "state", "styles", "tests"],
} as const

describe("task decomposition over HTTP", () => {
  let t: TestEdge
  let api: Client
  /** A pending session with one task `feature`; answers the session and task ids. */
  const feature = async (extra: Record<string, unknown> = {}) => {
    const answer = await api.post("/api/v1/sessions", {
      title: "feature",
      tasks: [{ key: "feature", title: "Feature", capability: "dc-plan" }],
      ...extra,
    })
    const task = answer.body.tasks[0].id as string
    await waitFor("the session's task", async () => ((await api.get(`/api/v1/tasks/${task}`)).status === 200 ? true : undefined))
    return { session: answer.body.id as string, task }
  }
  const taskCount = async () =>
    (await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task'`)[0]!.n

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  for (const [template, keys] of Object.entries(TEMPLATE_KEYS)) {
    it(`decomposes with the ${template} template: subtasks in the session, estimates, critical path, the task waiting for them`, async () => {
      const { session, task } = await feature()
      const answer = await api.post(`/api/v1/tasks/${task}/decompose`, { template })
      expect(answer.status).toBe(201)
      const plan = answer.body
      expect(plan).toMatchObject({ task_id: task, session_id: session, template, max_depth: 2 })
      expect(plan.subtasks.map((sub: { key: string }) => sub.key)).toEqual(keys.map((key) => `feature/${key}`))
      for (const sub of plan.subtasks) {
        const { optimistic: o, most_likely: m, pessimistic: p, expected, std_dev } = sub.estimate
        expect(expected).toBeCloseTo((o + 4 * m + p) / 6, 3)
        expect(std_dev).toBeCloseTo((p - o) / 6, 3)
      }
      const byId = new Map(plan.subtasks.map((sub: { id: string; estimate: { expected: number } }) => [sub.id, sub.estimate.expected]))
      const along = plan.critical_path.reduce((sum: number, id: string) => sum + (byId.get(id) as number), 0)
      expect(plan.expected_duration).toBeCloseTo(along, 3)
      // each step of the critical path waits for the one before it
      plan.critical_path.slice(1).forEach((id: string, i: number) => {
        expect(plan.subtasks.find((sub: { id: string }) => sub.id === id).depends_on).toContain(plan.critical_path[i])
      })
      const read = await waitFor("the subtasks in the session", async () => {
        const body = (await api.get(`/api/v1/sessions/${session}`)).body
        return body.tasks.length === keys.length + 1 ? body : undefined
      })
      expect(read.tasks.slice(1).map((sub: { id: string }) => sub.id)).toEqual(plan.subtasks.map((sub: { id: string }) => sub.id))
      expect((await api.get(`/api/v1/tasks/${task}`)).body.depends_on).toEqual(plan.subtasks.map((sub: { id: string }) => sub.id))
      const graph = (await api.get(`/api/v1/tasks/${task}/dependencies`)).body
      expect(graph.nodes).toHaveLength(keys.length + 1)
      expect(graph.edges).toEqual(expect.arrayContaining(plan.subtasks.map((sub: { id: string }) => ({ from: sub.id, to: task }))))
    })
  }

  it("respects max_depth: only the template's first level at max_depth 1, with its critical path", async () => {
    const { task } = await feature()
    const plan = (await api.post(`/api/v1/tasks/${task}/decompose`, { template: "microservice", max_depth: 1 })).body
    expect(plan.subtasks.map((sub: { key: string; depth: number }) => [sub.key, sub.depth])).toEqual([
      ["feature/shared", 1],
      ["feature/data", 1],
      ["feature/service", 1],
      ["feature/api", 1],
    ])
    expect(plan.critical_path).toEqual(plan.subtasks.map((sub: { id: string }) => sub.id))
    expect(plan).toMatchObject({ max_depth: 1, expected_duration: 28.167, std_dev: 3.354 })
  })

  it("runs the subtasks, then the decomposed task, to a completed session", async () => {
    const { session, task } = await feature({ start: true })
    await taskIn(api, task, "ready")
    const plan = (await api.post(`/api/v1/tasks/${task}/decompose`, { template: "crud", max_depth: 1 })).body
    await taskIn(api, task, "blocked")
    // a bot able to do the plan and its subtasks joins only now, so the decomposed task was still waiting
    const bot = await httpBot(api, t.url, "dc-bot", ["dc-plan", "backend", "security"], 7)
    for (const sub of plan.subtasks) await bot.work(sub.id, "complete")
    await bot.work(task, "complete")
    expect(await sessionIn(api, session, "completed")).toMatchObject({ task_counts: { completed: 7 } })
  }, 60_000)

  it("refuses a standalone task, a task an agent holds, an unknown template, writing nothing", async () => {
    const standalone = (await api.post("/api/v1/tasks", { title: "alone", capability: "dc-alone" })).body.id
    await taskIn(api, standalone, "ready")
    const before = await taskCount()
    expect(await api.post(`/api/v1/tasks/${standalone}/decompose`, { template: "crud" })).toMatchObject({
      status: 409,
      body: { error: { code: "conflict", message: `task ${standalone} belongs to no session: its subtasks join the task's session` } },
    })
    expect((await api.post(`/api/v1/tasks/${standalone}/decompose`, { template: "kitchen_sink" })).body).toEqual({
      error: {
        code: "validation_failed",
        message: 'template: expected one of "microservice", "crud", "security", "ui_component", got "kitchen_sink"',
      },
    })
    const held = await feature({ start: true })
    await httpBot(api, t.url, "dc-holder", ["dc-plan"])
    await taskIn(api, held.task, "assigned")
    const refused = await api.post(`/api/v1/tasks/${held.task}/decompose`, { template: "crud" })
    expect(refused.body).toEqual({
      error: { code: "conflict", message: `task ${held.task} is assigned: a task is decomposed before an agent takes it` },
    })
    expect(await taskCount()).toBe(before + 1)
  })

  it("answers a task's own graph of a session holding two, in the session's order", async () => {
    const answer = await api.post("/api/v1/sessions", {
      title: "two graphs",
      tasks: [
        { key: "spec", title: "Spec", capability: "dc-two" },
        { key: "lint", title: "Lint", capability: "dc-two" },
        { key: "build", title: "Build", capability: "dc-two", depends_on: ["spec"] },
        { key: "fix", title: "Fix", capability: "dc-two", depends_on: ["lint"] },
        { key: "ship", title: "Ship", capability: "dc-two", depends_on: ["build", "spec"] },
      ],
    })
    const [spec, lint, build, fix, ship] = (answer.body.tasks as Array<{ id: string }>).map((task) => task.id)
    for (const id of [spec, lint, build, fix, ship]) {
      await waitFor(`task ${id}`, async () => ((await api.get(`/api/v1/tasks/${id}`)).status === 200 ? true : undefined))
    }
    const graph = (await api.get(`/api/v1/tasks/${build}/dependencies`)).body
    expect(graph.nodes.map((node: { key: string; status: string }) => [node.key, node.status])).toEqual([
      ["spec", "blocked"],
      ["build", "blocked"],
      ["ship", "blocked"],
    ])
    expect(graph.edges).toEqual([
      { from: spec, to: build },
      { from: build, to: ship },
      { from: spec, to: ship },
    ])
    expect((await api.get(`/api/v1/tasks/${fix}/dependencies`)).body.nodes.map((node: { id: string }) => node.id)).toEqual([lint, fix])
  })

  it("answers a standalone task's graph as the task alone, and 404 for an unknown task", async () => {
    const standalone = (await api.post("/api/v1/tasks", { title: "alone", capability: "dc-alone-2" })).body.id
    expect((await api.get(`/api/v1/tasks/${standalone}/dependencies`)).body).toEqual({
      nodes: [{ id: standalone, key: null, title: "alone", capability: "dc-alone-2", status: expect.any(String) }],
      edges: [],
    })
    const unknown = "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"
    expect((await api.get(`/api/v1/tasks/${unknown}/dependencies`)).status).toBe(404)
  })
})
