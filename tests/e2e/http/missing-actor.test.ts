// The routes that only check that an actor exists before their own read or command (a session's timeline,
// a context's creation for an owner, its sharing, history and diff, an operator's event, an actor's
// history) answer a missing actor with the same 404 as a read of it: `not_found`, "<kind> <id> does not
// exist", nothing appended. The check reads whether the row exists (src/store/queries.ts `actorExists`),
// not the stored actor.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxAppends, testEdge, type TestEdge } from "../../support/edge.ts"

let t: TestEdge
let context: string
beforeAll(async () => {
  t = await testEdge()
  const created = await t.api.post("/api/v1/contexts?wait=1", { scope: "global", data: {} })
  expect(created.status).toBe(201)
  context = created.body.id
})
afterAll(() => t?.close())

const missing = randomUUID()
const notFound = (kind: string, id: string) => ({ error: { code: "not_found", message: `${kind} ${id} does not exist` } })

describe("a missing actor on a route that checks only that it exists", () => {
  it.each([
    ["GET /sessions/{id}/timeline", "session", () => t.api.get(`/api/v1/sessions/${missing}/timeline`)],
    ["POST /contexts with a session owner", "session", () => t.api.post("/api/v1/contexts", { scope: "session", owner_id: missing })],
    ["POST /contexts with an agent owner", "agent", () => t.api.post("/api/v1/contexts", { scope: "agent", owner_id: missing })],
    ["POST /contexts/{id}/share to a session", "session", () => t.api.post(`/api/v1/contexts/${context}/share`, { session_id: missing })],
    ["GET /contexts/{id}/history", "context", () => t.api.get(`/api/v1/contexts/${missing}/history`)],
    ["GET /contexts/{id}/diff", "context", () => t.api.get(`/api/v1/contexts/${missing}/diff?from=0&to=1`)],
    ["POST /actors/{kind}/{id}/events", "task", () => t.api.post(`/api/v1/actors/task/${missing}/events`, { type: "CANCEL", payload: {} })],
    ["GET /actors/{kind}/{id}/history", "agent", () => t.api.get(`/api/v1/actors/agent/${missing}/history`)],
  ])("%s answers 404 naming the %s, appending nothing", async (_route, kind, request) => {
    const appends = await inboxAppends(t.deployment)
    const answer = await request()
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: notFound(kind, missing) })
    expect(await inboxAppends(t.deployment)).toBe(appends)
  })
})
