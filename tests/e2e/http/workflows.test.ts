// The DAG end to end over HTTP: a chain made with POST /workflows (started at once, step i waits for step
// i-1) and a diamond made with POST /sessions, run by bots working over HTTP on real Redis and Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { httpBot, sessionIn, taskIn } from "./coordination-support.ts"

describe("workflows and DAGs over HTTP", () => {
  let t: TestEdge
  let api: Client

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("runs a workflow's steps one after another and completes it", async () => {
    const bot = await httpBot(api, t.url, "wf-bot", ["wf-build", "wf-test"], 2)
    const answer = await api.post("/api/v1/workflows", {
      name: "release",
      steps: [
        { title: "Build", capability: "wf-build", payload: { target: "x86" } },
        { title: "Test", capability: "wf-test", max_attempts: 1 },
        { title: "Ship", capability: "wf-build" },
      ],
    })
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({ status: "queued", tasks: [{ key: "step-1" }, { key: "step-2" }, { key: "step-3" }] })
    const [build, test, ship] = (answer.body.tasks as Array<{ id: string }>).map((task) => task.id)
    const session = await waitFor("the workflow's three tasks", async () => {
      const read = (await api.get(`/api/v1/sessions/${answer.body.id}`)).body
      return read.tasks.length === 3 ? read : undefined
    })
    expect(session).toMatchObject({ title: "release" })
    expect(session.tasks.map((task: { depends_on: string[] }) => task.depends_on)).toEqual([[], [build], [test]])
    await bot.work(build!, "complete")
    expect((await api.get(`/api/v1/tasks/${ship}`)).body.status).toBe("blocked")
    await bot.work(test!, "complete")
    await bot.work(ship!, "complete")
    expect(await sessionIn(api, answer.body.id, "completed")).toMatchObject({ task_counts: { completed: 3 } })
  })

  it("refuses a workflow without steps, or with a step naming a key, writing nothing", async () => {
    const count = async () => (await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'session'`)[0]!.n
    const before = await count()
    expect((await api.post("/api/v1/workflows", { name: "empty", steps: [] })).body).toEqual({
      error: { code: "validation_failed", message: "steps: expected a value with a length of at least 1, got []" },
    })
    const keyed = await api.post("/api/v1/workflows", { name: "keyed", steps: [{ key: "a", title: "A", capability: "c" }] })
    expect(keyed.status).toBe(400)
    expect(keyed.body.error.code).toBe("validation_failed")
    expect(await count()).toBe(before)
  })

  it("runs a diamond: both sides after the top, the join after both sides", async () => {
    const bot = await httpBot(api, t.url, "dia-bot", ["dia"], 2)
    const answer = await api.post("/api/v1/sessions", {
      title: "diamond", start: true,
      tasks: [
        { key: "top", title: "Top", capability: "dia" },
        { key: "left", title: "Left", capability: "dia", depends_on: ["top"] },
        { key: "right", title: "Right", capability: "dia", depends_on: ["top"] },
        { key: "join", title: "Join", capability: "dia", depends_on: ["left", "right"] },
      ],
    })
    const [top, left, right, join] = (answer.body.tasks as Array<{ id: string }>).map((task) => task.id)
    await bot.work(top!, "complete")
    await Promise.all([taskIn(api, left!, "assigned"), taskIn(api, right!, "assigned")])
    await bot.work(left!, "complete")
    expect((await api.get(`/api/v1/tasks/${join}`)).body.status).toBe("blocked")
    await bot.work(right!, "complete")
    await bot.work(join!, "complete")
    expect(await sessionIn(api, answer.body.id, "completed")).toMatchObject({ task_counts: { completed: 4 } })
  })
})
