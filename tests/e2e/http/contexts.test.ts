// /api/v1/contexts over real HTTP on real Redis and Postgres: each context an actor whose every change is
// a transition; dot paths, expected_version conflicts, the size limit, history, diff, merge (and its
// conflict naming the paths), expiry of a temporary context by its durable timer, sharing with a session.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { MAX_CONTEXT_BYTES } from "../../../machines/context-data.ts"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { subscribe, type SubscribedEvent } from "../../../src/client/node.ts"
import { deferred } from "../client/support.ts"

describe("contexts over HTTP", () => {
  let t: TestEdge
  let api: Client
  const patch = (id: string, body: unknown) => api.request("PATCH", `/api/v1/contexts/${id}`, { body })
  const contexts = async () =>
    (await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'context'`)[0]!.n
  const create = async (body: unknown) => {
    const answer = await api.post("/api/v1/contexts", body)
    expect(answer.status).toBe(201)
    return answer.body as { id: string; version: number }
  }

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("refuses a context without its owner, ttl or within limits, naming the field, writing nothing", async () => {
    expect((await api.post("/api/v1/contexts", { scope: "session", data: {} })).body).toEqual({
      error: { code: "validation_failed", message: "owner_id: required for a session context" },
    })
    expect((await api.post("/api/v1/contexts", { scope: "temporary" })).body).toEqual({
      error: { code: "validation_failed", message: "ttl_s: required for a temporary context" },
    })
    const unknown = "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"
    expect(await api.post("/api/v1/contexts", { scope: "agent", owner_id: unknown })).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: `agent ${unknown} does not exist` } },
    })
    const big = await api.post("/api/v1/contexts", { scope: "global", data: { blob: "x".repeat(MAX_CONTEXT_BYTES) } })
    expect(big.status).toBe(413)
    expect(big.body).toEqual({
      error: { code: "payload_too_large", message: `data: ${MAX_CONTEXT_BYTES + 11} bytes, more than the 65536 a context may hold` },
    })
    expect(await contexts()).toBe(0)
  })

  it("reads and writes dot paths, each change one version; a stale expected_version answers 409 and changes nothing", async () => {
    const { id, version } = await create({ scope: "global", data: { model: { name: "m1", temperature: 0.2 } } })
    expect(version).toBe(1)
    expect((await api.get(`/api/v1/contexts/${id}?key=model.name`)).body).toEqual({ id, key: "model.name", value: "m1", version: 1 })
    const patched = await patch(id, {
      set: { "model.name": "m2", "limits.tokens": 1000 },
      unset: ["model.temperature"],
      expected_version: 1,
    })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ id, version: 2, data: { model: { name: "m2" }, limits: { tokens: 1000 } } })
    const stale = await patch(id, { set: { "model.name": "m3" }, expected_version: 1 })
    expect(stale.status).toBe(409)
    expect(stale.body).toEqual({
      error: { code: "conflict", message: "stale version: expected_version is 1, the context is at version 2" },
    })
    expect((await api.get(`/api/v1/contexts/${id}`)).body).toMatchObject({ version: 2, data: { model: { name: "m2" } } })
    expect(await api.get(`/api/v1/contexts/${id}?key=model.temperature`)).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: `context ${id} has no key model.temperature` } },
    })
    expect((await patch(id, { set: { "a..b": 1 } })).body.error.code).toBe("validation_failed")
  })

  it("refuses a patch that would outgrow the size limit with 413, the context unchanged", async () => {
    const { id } = await create({ scope: "global", data: { small: true } })
    const refused = await patch(id, { set: { blob: "y".repeat(MAX_CONTEXT_BYTES - 10) } })
    expect(refused.status).toBe(413)
    expect(refused.body).toEqual({
      error: {
        code: "payload_too_large",
        message: `data: ${MAX_CONTEXT_BYTES + 14} bytes once patched, more than the ${MAX_CONTEXT_BYTES} a context may hold`,
      },
    })
    expect((await api.get(`/api/v1/contexts/${id}`)).body).toMatchObject({ version: 1, data: { small: true } })
  })

  it("answers its history and the diff between two versions", async () => {
    const { id } = await create({ scope: "global", data: { a: 1, b: { c: 2 } } })
    await patch(id, { set: { a: 5, "b.d": 3 } })
    await patch(id, { unset: ["b.c"], set: {} })
    const history = (await api.get(`/api/v1/contexts/${id}/history`)).body
    expect(history.transitions.map((step: { version: number; event: string }) => [step.version, step.event])).toEqual([
      [1, "CREATE"],
      [2, "PATCH"],
      [3, "PATCH"],
    ])
    expect(history.transitions[1].patch).toMatchObject({ data: { a: 5, b: { d: 3 } } })
    expect((await api.get(`/api/v1/contexts/${id}/diff?from=1&to=3`)).body).toEqual({
      id,
      from: 1,
      to: 3,
      changes: [
        { path: "a", op: "changed", from: 1, to: 5 },
        { path: "b.c", op: "removed", from: 2 },
        { path: "b.d", op: "added", to: 3 },
      ],
    })
    expect((await api.get(`/api/v1/contexts/${id}/diff?from=1&to=9`)).body).toEqual({
      error: { code: "not_found", message: `context ${id} has no version 9` },
    })
  })

  it("merges: last_write_wins takes the later value; fail_on_conflict answers 409 naming every conflicting path", async () => {
    const first = await create({ scope: "global", data: { model: "m1", retries: 2, owner: "ann" } })
    const second = await create({ scope: "global", data: { model: "m2", retries: 3, owner: "ann", extra: true } })
    const merged = await api.post("/api/v1/contexts/merge", { ids: [first.id, second.id], strategy: "last_write_wins" })
    expect(merged.status).toBe(201)
    expect(merged.body).toMatchObject({
      scope: "global",
      version: 1,
      data: { model: "m2", retries: 3, owner: "ann", extra: true },
      merged_from: [
        { id: first.id, version: 1 },
        { id: second.id, version: 1 },
      ],
    })
    const before = await contexts()
    const refused = await api.post("/api/v1/contexts/merge", { ids: [first.id, second.id], strategy: "fail_on_conflict" })
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: { code: "conflict", message: "the contexts disagree at model, retries" } })
    expect(await contexts()).toBe(before)
  })

  it("refuses with 400, writing nothing, a patch of too many paths, a path of too many segments, data nested too deep", async () => {
    const { id } = await create({ scope: "global", data: { a: 1 } })
    const history = async () => (await api.get(`/api/v1/contexts/${id}/history`)).body.transitions.length
    const before = await history()
    const paths = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i]))
    const segments = Array.from({ length: 17 }, (_, i) => `s${i}`).join(".")
    let deep: unknown = 1
    for (let i = 0; i < 50; i += 1) deep = [deep]
    const refusals = [
      [{ set: paths }, "set: 1001 paths to set and unset, more than the 1000 a patch may hold"],
      [{ set: { a: 1 }, unset: Object.keys(paths) }, "set: 1002 paths to set and unset, more than the 1000 a patch may hold"],
      [{ set: { [segments]: 1 } }, `set.${segments}: expected a dot path like a.b.c, of at most 16 segments, got "${segments}"`],
      [{ set: {}, unset: [segments] }, `unset.0: expected a dot path like a.b.c, of at most 16 segments, got "${segments}"`],
      [
        { set: { "a.b.c.d.e.f.g.h.i.j.k.l.m.n": deep } },
        "set.a.b.c.d.e.f.g.h.i.j.k.l.m.n: nests the data 64 levels deep, more than the 63 a context may hold",
      ],
    ] as const
    for (const [body, message] of refusals) {
      expect(await patch(id, body)).toMatchObject({ status: 400, body: { error: { code: "validation_failed", message } } })
    }
    expect(await api.get(`/api/v1/contexts/${id}?key=${segments}`)).toMatchObject({ status: 400 })
    expect(await patch(id, { set: { "a.b.c.d.e.f.g.h.i.j.k.l.m": deep } })).toMatchObject({ status: 200, body: { version: 2 } })
    expect(await history()).toBe(before + 1)
  })

  it("refuses with 400 a merge of more than 100 contexts or of one context twice, creating none", async () => {
    const { id } = await create({ scope: "global", data: { a: 1 } })
    const before = await contexts()
    const many = Array.from({ length: 101 }, () => crypto.randomUUID())
    expect(await api.post("/api/v1/contexts/merge", { ids: many, strategy: "last_write_wins" })).toMatchObject({
      status: 400,
      body: { error: { code: "validation_failed", message: "ids: 101 contexts, more than the 100 a merge may read" } },
    })
    expect(await api.post("/api/v1/contexts/merge", { ids: [id, id], strategy: "last_write_wins" })).toMatchObject({
      status: 400,
      body: { error: { code: "validation_failed", message: `ids: names ${id} twice` } },
    })
    expect(await contexts()).toBe(before)
  })

  it("expires a temporary context by its durable timer: data gone, history kept, later patches refused", async () => {
    const { id } = await create({ scope: "temporary", ttl_s: 1, data: { token: "abc" } })
    expect((await api.get(`/api/v1/contexts/${id}`)).body).toMatchObject({ status: "active", expires_at: expect.stringMatching(/Z$/) })
    const expired = await waitFor("the context to expire", async () => {
      const read = (await api.get(`/api/v1/contexts/${id}`)).body
      return read.status === "expired" ? read : undefined
    })
    expect(expired).toMatchObject({ data: {}, version: 2 })
    expect((await patch(id, { set: { token: "new" } })).body).toEqual({
      error: { code: "conflict", message: "PATCH is not accepted while the context is expired" },
    })
  })

  it("streams every change on context:{id} as a merge patch with its version", async () => {
    const { id } = await create({ scope: "global", data: { n: 1 } })
    const first = deferred<SubscribedEvent>()
    const events = subscribe({ url: t.url, token: t.operatorToken, topics: [`context:${id}`], onEvent: first.resolve })
    try {
      await events.ready()
      await patch(id, { set: { n: 2 } })
      expect(await first.promise).toMatchObject({
        topic: `context:${id}`,
        kind: "context",
        actor_id: id,
        version: 2,
        event: "PATCH",
        patch: { data: { n: 2 }, version: 2 },
      })
    } finally {
      await events.close()
    }
  })

  it("belongs to a session or agent, and is shared with another session", async () => {
    const session = (await api.post("/api/v1/sessions", { title: "ctx-owner" })).body.id
    const other = (await api.post("/api/v1/sessions", { title: "ctx-guest" })).body.id
    const { id } = await create({ scope: "session", owner_id: session, data: { plan: "x" } })
    const shared = await api.post(`/api/v1/contexts/${id}/share`, { session_id: other })
    expect(shared.status).toBe(200)
    expect(shared.body).toMatchObject({ scope: "session", owner_id: session, shared_with: [other], version: 2 })
  })
})
