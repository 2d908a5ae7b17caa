// Time travel over HTTP (invariant 9): an actor's history is its transitions in version order, each
// the merge patch of its view; applying them in order rebuilds the view `GET` answered at every
// version, and no patch carries a copy of the whole context.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { applyPatch, type Json } from "../../../src/runtime/merge-patch.ts"
import { waitFor } from "../../support/runtime.ts"
import { httpClient, testEdge, type Client, type TestEdge } from "../../support/edge.ts"

/** A view with its null fields left out: RFC 7396 cannot keep a key whose value is null. */
const withoutNulls = (view: Record<string, unknown>) => Object.fromEntries(Object.entries(view).filter(([, value]) => value !== null))

describe("actor history over HTTP", () => {
  let t: TestEdge
  let api: Client

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("rebuilds every version GET answered from the patches, in order", async () => {
    // Created before its agent comes (so ready first, not given at its intake).
    const created = await api.post("/api/v1/tasks", { title: "chronicle", capability: "hx-write", payload: { pages: 3 } })
    const taskId = created.body.id as string
    const agent = (await api.post("/api/v1/agents", { name: "historian", capabilities: ["hx-write"] })).body as {
      id: string
      token: string
    }
    const bot = httpClient(t.url, agent.token)
    await bot.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {})

    // The view at each version, as GET answers it while the task moves along.
    const seen = new Map<number, Record<string, unknown>>()
    const record = async (until: (view: Record<string, unknown>) => boolean) => {
      const view = await waitFor("the task's next state", async () => {
        const body = (await api.get(`/api/v1/tasks/${taskId}`)).body as Record<string, unknown>
        return until(body) ? body : undefined
      })
      seen.set(view["version"] as number, view)
    }
    await record((view) => view["status"] === "assigned")
    await bot.post(`/api/v1/tasks/${taskId}/start?wait=1`)
    await record((view) => view["status"] === "in_progress")
    await bot.post(`/api/v1/tasks/${taskId}/complete?wait=1`, { result: { pages: ["a", "b", "c"] } })
    await record((view) => view["status"] === "completed")

    const history = (await api.get(`/api/v1/actors/task/${taskId}/history`)).body
    expect(history).toMatchObject({ kind: "task", id: taskId })
    const versions = history.transitions.map((step: { version: number }) => step.version)
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1))
    expect(history.transitions[0]).toMatchObject({
      from: null,
      to: "ready",
      event: "CREATE",
      patch: { title: "chronicle", payload: { pages: 3 } },
    })

    let view: Json = {}
    for (const step of history.transitions as Array<{ version: number; patch: Json; from: string | null; to: string }>) {
      view = applyPatch(view, step.patch)
      expect((view as Record<string, unknown>)["status"]).toBe(step.to)
      const answered = seen.get(step.version)
      if (answered) expect(view).toEqual(withoutNulls(answered))
      // A patch names what changed, never the whole view again (after the creation).
      if (step.version > 1) expect(Object.keys(step.patch as object)).not.toContain("title")
    }
    expect(seen.size).toBe(3)
    expect(view).toEqual(withoutNulls((await api.get(`/api/v1/tasks/${taskId}`)).body))

    const page = (await api.get(`/api/v1/actors/task/${taskId}/history?after_version=1&limit=1`)).body
    expect(page.transitions.map((step: { version: number }) => step.version)).toEqual([2])
    expect((await api.get(`/api/v1/actors/task/${taskId}/history?limit=0`)).body.error.code).toBe("validation_failed")
    expect((await api.get("/api/v1/actors/task/9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11/history")).status).toBe(404)
  })
})
