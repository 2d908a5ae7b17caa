// Issue 8, finding 2, over HTTP: the three values that once passed validation, were appended, and then
// could never be stored or applied, freezing their partition (a NUL "a\u0000b", an unpaired surrogate
// "\ud800", JSON nested about 4,100 deep), are refused at the edge with 400 naming where, and nothing is
// appended: in an operator's new task and in an agent's report (a `complete` whose result holds a NUL,
// as tool output often does). The partitions go on: a valid task after them is created and applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxAppends, testEdge, type TestEdge } from "../../support/edge.ts"

describe("poison values in HTTP bodies", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge()
  })
  afterAll(async () => {
    await t?.close()
  })

  /** Posts `text` as is (JSON escapes and all) with `token`. */
  const post = (path: string, text: string, token = t.operatorToken) =>
    t.api.post(path, undefined, { text, token, headers: { "content-type": "application/json" } })
  const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`

  it("refuses a NUL, an unpaired surrogate and JSON nested 4,100 deep with 400 naming where, appending nothing", async () => {
    const agent = await t.api.post("/api/v1/agents", { name: "careless", capabilities: ["poison"] })
    expect(agent.status).toBe(201)
    const task = await t.api.post("/api/v1/tasks", { title: "target", capability: "nobody" })
    expect(task.status).toBe(201)
    const before = await inboxAppends(t.deployment)

    const refusals = [
      { path: "/api/v1/tasks", text: '{"title":"a\\u0000b","capability":"poison"}', message: "title: holds a NUL character (\\u0000)" },
      { path: "/api/v1/tasks", text: '{"title":"\\ud800","capability":"poison"}', message: "title: holds an unpaired surrogate" },
      {
        path: "/api/v1/tasks",
        text: `{"title":"t","capability":"poison","payload":{"data":${deep(4_100)}}}`,
        message: "payload.data.0.0.0.0.0.0.…: nested deeper than 64 levels",
      },
      {
        path: `/api/v1/tasks/${task.body.id}/complete`,
        text: '{"success":true,"result":{"stdout":"ok\\u0000"}}',
        message: "result.stdout: holds a NUL character (\\u0000)",
        token: agent.body.token as string,
      },
      {
        path: `/api/v1/tasks/${task.body.id}/complete`,
        text: '{"success":true,"result":{"\\udc00":1}}',
        message: 'result: field name "\\udc00" holds an unpaired surrogate',
        token: agent.body.token as string,
      },
    ]
    for (const { path, text, message, token } of refusals) {
      const answer = await post(path, text, token)
      expect({ path, status: answer.status, body: answer.body }).toEqual({
        path,
        status: 400,
        body: { error: { code: "validation_failed", message } },
      })
    }
    expect(await inboxAppends(t.deployment)).toBe(before)

    // Every partition still applies what it is given.
    const after = await t.api.post("/api/v1/tasks?wait=1", { title: "after the poison", capability: "poison" })
    expect(after.status).toBe(201)
    expect((await t.api.get(`/api/v1/tasks/${after.body.id}`)).body.status).toBe("ready")
  })
})
