// The status a client gets for what it did wrong and for what the server got wrong (issue 8, finding
// 4 and 6): a body nested 10,000 deep or not valid UTF-8 is a 400 naming where, a value Postgres
// cannot take is a 400 naming the field, and a bug in a route is a 500 `internal`, logged with its
// stack, while the process goes on serving. Nothing is written by any of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createLogger } from "../../../src/log.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"

describe("status codes", () => {
  let t: TestEdge
  const logged: Array<Record<string, unknown>> = []

  const taskCount = async (): Promise<number> => {
    const [row] = await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task'`
    return row?.n ?? -1
  }

  beforeAll(async () => {
    const log = createLogger("error", { component: "edge" }, (line) => void logged.push(JSON.parse(line) as Record<string, unknown>))
    t = await testEdge({ edge: { log } })
  })
  afterAll(async () => {
    await t?.close()
  })

  it("answers a body nested 10,000 deep with 400 naming where, not 503, and writes nothing", async () => {
    const deep = `{"title":"t","capability":"c","payload":${"[".repeat(10_000)}${"]".repeat(10_000)}}`
    const answer = await t.api.post("/api/v1/tasks", undefined, { text: deep, headers: { "content-type": "application/json" } })
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({ error: { code: "validation_failed", message: "payload.0.0.0.0.0.0.0.…: nested deeper than 64 levels" } })
    const sixtyFour = `{"title":"t","capability":"c","payload":${"[".repeat(63)}${"]".repeat(63)}}`
    expect((await t.api.post("/api/v1/tasks", undefined, { text: sixtyFour })).status).toBe(201)
    const brackets = `{"title":"${"[".repeat(100)}","capability":"c"}`
    expect((await t.api.post("/api/v1/tasks", undefined, { text: brackets })).status).toBe(201)
    expect(await taskCount()).toBe(2)
  })

  it("answers a body that is not valid UTF-8 with 400, never storing it altered", async () => {
    const bytes = Buffer.concat([Buffer.from('{"title":"a'), Buffer.from([0xff]), Buffer.from('b","capability":"c"}')])
    const answer = await fetch(`${t.url}/api/v1/tasks`, {
      method: "POST",
      body: bytes,
      headers: { authorization: `Bearer ${t.operatorToken}`, "content-type": "application/json" },
    })
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({ error: { code: "validation_failed", message: "body: invalid UTF-8" } })
    expect(await taskCount()).toBe(2)
  })

  it("answers older_than_s beyond what Postgres can subtract with 400 naming the field", async () => {
    const answer = await t.api.get("/api/v1/actors?kind=task&older_than_s=999999999999999")
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: { code: "validation_failed", message: 'older_than_s: expected a whole number, got "999999999999999"' },
    })
    expect((await t.api.get("/api/v1/actors?kind=task&older_than_s=9999999999")).status).toBe(200)
  })

  it("answers a bug in a route with 500 internal, logs it with its stack, and goes on serving", async () => {
    const agent = await t.api.post("/api/v1/agents", { name: "broken", capabilities: ["c"] })
    expect(agent.status).toBe(201)
    // A snapshot that decodes and restores but that the view cannot render (a time past the Date range):
    // the route's code fails, as a bug would. (A snapshot whose context does not decode, or that the
    // machine cannot restore, is a quarantine: 409, tests/e2e/http/quarantine-read.test.ts.)
    await t.deployment.schema.sql`
      update actors set snapshot = jsonb_set(snapshot, '{context,lastHeartbeatAt}', '1e20') where id = ${agent.body.id}`
    const answer = await t.api.get(`/api/v1/agents/${agent.body.id}`)
    expect(answer.status).toBe(500)
    expect(answer.body).toEqual({ error: { code: "internal", message: "internal error; nothing was accepted" } })
    const line = logged.find((entry) => entry.msg === "http route failed: a bug")
    expect(line).toMatchObject({ level: "error", route: "GET /api/v1/agents/{id}", stack: expect.stringContaining("RangeError") })
    expect((await t.api.get("/health")).status).toBe(200)
    expect((await t.api.get("/api/v1/agents")).status).toBe(500)
    expect((await t.api.get("/live")).status).toBe(200)
  })
})
