// /api/v1/agents over real HTTP: registration (token shown once, stored hashed), auth and refusals
// with their exact bodies, reads, filters and pagination, heartbeat, deregistration.
import { createHash } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { httpClient, testEdge, type Answer, type Client, type TestEdge } from "../../support/edge.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STREAM_ID = /^\d+-\d+$/

describe("agents over HTTP", () => {
  let t: TestEdge
  let api: Client
  const count = async (table: string): Promise<number> => {
    const [row] = await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from ${t.deployment.schema.sql(table)}`
    return row?.n ?? -1
  }
  const register = async (name: string, capabilities: string[]) => {
    const answer = await api.post("/api/v1/agents", { name, capabilities })
    expect(answer.status).toBe(201)
    return answer.body as { id: string; token: string }
  }

  beforeAll(async () => {
    t = await testEdge()
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("refuses a registration without a token or with a bad one, writing nothing", async () => {
    const body = { name: "bot", capabilities: ["code"] }
    const bare = await api.post("/api/v1/agents", body, { token: null })
    expect(bare.status).toBe(401)
    expect(bare.body).toEqual({ error: { code: "unauthorized", message: "Authorization: a bearer token is required for this call" } })
    const bad = await api.post("/api/v1/agents", body, { token: "not-a-token" })
    expect(bad.status).toBe(401)
    expect(bad.body).toEqual({ error: { code: "unauthorized", message: "Authorization: unknown or revoked token" } })
    const malformed = await api.post("/api/v1/agents", body, { headers: { authorization: "Basic abc" }, token: null })
    expect(malformed.body).toEqual({ error: { code: "unauthorized", message: 'Authorization: expected "Bearer <token>"' } })
    expect(await count("agent_tokens")).toBe(0)
    expect(await count("actors")).toBe(0)
  })

  it("refuses an invalid body naming the field, writing nothing", async () => {
    const answer = await api.post("/api/v1/agents", { name: "bot", capabilities: ["BAD"] })
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({
      error: {
        code: "validation_failed",
        message: 'capabilities.0: expected a capability (1 to 64 characters of a-z, 0-9, _ . : -), got "BAD"',
      },
    })
    const missing = await api.post("/api/v1/agents", { capabilities: ["code"] })
    expect(missing.body).toEqual({ error: { code: "validation_failed", message: "name: is missing" } })
    const badLabels: Array<[unknown, string]> = [
      [{ "team=red": "x" }, 'labels.team=red: expected a label key (1 to 63 characters of A-Z a-z 0-9 _ . : / -), got "team=red"'],
      [{ team: "a\nb" }, 'labels.team: expected a label value (up to 255 characters, no control characters), got "a\\nb"'],
      [{ team: 1 }, "labels.team: expected a string, got 1"],
      [Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])), "labels: expected at most 32 labels, got 33"],
    ]
    for (const [labels, message] of badLabels) {
      const refused = await api.post("/api/v1/agents", { name: "bot", capabilities: ["code"], labels })
      expect(refused.body).toEqual({ error: { code: "validation_failed", message } })
    }
    const notJson = await api.request("POST", "/api/v1/agents", { text: "{nope" })
    expect(notJson.body).toEqual({ error: { code: "validation_failed", message: "body: invalid JSON" } })
    expect(await count("agent_tokens")).toBe(0)
    expect(await count("actors")).toBe(0)
  })

  it("registers an agent: 201 with its token once, only the token's hash stored, readable at once", async () => {
    const answer = await api.post("/api/v1/agents", {
      name: "coder",
      capabilities: ["code", "review"],
      max_concurrency: 2,
      metadata: { zone: "eu" },
    })
    expect(answer.status).toBe(201)
    const { id, token, stream_id } = answer.body
    expect(answer.body).toEqual({
      id: expect.stringMatching(UUID),
      token: expect.any(String),
      status: "offline",
      stream_id: expect.stringMatching(STREAM_ID),
      name: "coder",
      capabilities: ["code", "review"],
      type: null,
      max_concurrency: 2,
      metadata: { zone: "eu" },
      labels: {},
      heartbeat_interval_ms: 10_000,
    })
    const stored = await t.deployment.schema.sql<{ token_hash: string; agent_id: string }[]>`select token_hash, agent_id from agent_tokens`
    expect(stored).toEqual([{ token_hash: createHash("sha256").update(token).digest("hex"), agent_id: id }])

    const read = await api.get(`/api/v1/agents/${id}`, { token })
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({
      id,
      name: "coder",
      capabilities: ["code", "review"],
      status: "offline",
      max_concurrency: 2,
      stream_id,
      version: 1,
    })
  })

  it("takes heartbeats from the agent itself: 202, or with ?wait=1 the new state", async () => {
    const { id, token } = await register("beater", ["code"])
    const bot = httpClient(t.url, token)
    const accepted = await bot.post(`/api/v1/agents/${id}/heartbeat`, { load: 0.5 })
    expect(accepted.status).toBe(202)
    expect(accepted.body).toEqual({ id, stream_id: expect.stringMatching(STREAM_ID) })
    const waited = await bot.post(`/api/v1/agents/${id}/heartbeat?wait=1`, { status: "healthy" })
    expect(waited.status).toBe(200)
    expect(waited.body).toEqual({ id, state: "online", stream_id: expect.stringMatching(STREAM_ID) })
    expect((await api.get(`/api/v1/agents/${id}`)).body).toMatchObject({ status: "online", reported_status: "healthy" })
    const invalid = await bot.post(`/api/v1/agents/${id}/heartbeat`, { status: "asleep" })
    expect(invalid.status).toBe(400)
    expect(invalid.body.error.message).toMatch(/^status: expected one of "healthy", "degraded", "busy", got "asleep"$/)
    // A load the stored column cannot hold is refused at the door, not dead-lettered by the runtime.
    const versionBefore = (await api.get(`/api/v1/agents/${id}`)).body.version
    for (const [load, message] of [
      [1e-50, "load: expected 0 or at least 0.000001, got 1e-50"],
      [1e39, "load: expected a value between 0 and 1000, got 1e+39"],
    ] as const) {
      const refused = await bot.post(`/api/v1/agents/${id}/heartbeat?wait=1`, { load })
      expect(refused.status).toBe(400)
      expect(refused.body).toEqual({ error: { code: "validation_failed", message } })
    }
    expect((await api.get(`/api/v1/agents/${id}`)).body).toMatchObject({ version: versionBefore, load: 0.5 })
  })

  it("forbids an agent token to act on another agent or to register agents", async () => {
    const a = await register("a", ["code"])
    const b = await register("b", ["code"])
    const bot = httpClient(t.url, a.token)
    const versionBefore = (await api.get(`/api/v1/agents/${b.id}`)).body.version
    const other = await bot.post(`/api/v1/agents/${b.id}/heartbeat`, {})
    expect(other.status).toBe(403)
    expect(other.body).toEqual({
      error: { code: "forbidden", message: `an agent token may only act on its own agent, not on agent ${b.id}` },
    })
    const create = await bot.post("/api/v1/agents", { name: "c", capabilities: ["code"] })
    expect(create.status).toBe(403)
    expect(create.body).toEqual({ error: { code: "forbidden", message: "only the operator token may make this call" } })
    expect((await api.get(`/api/v1/agents/${b.id}`)).body.version).toBe(versionBefore)
  })

  it("registers agents with labels and lists them by a label's key or key=value", async () => {
    const labelled = async (name: string, labels: Record<string, string>) =>
      (await api.post("/api/v1/agents", { name, capabilities: ["labelled"], labels })).body as {
        id: string
        token: string
        labels: unknown
      }
    const red = await labelled("red", { team: "red", "zone/eu": "" })
    const blue = await labelled("blue", { team: "blue" })
    const plain = await labelled("plain", {})
    expect(red.labels).toEqual({ team: "red", "zone/eu": "" })
    expect((await api.get(`/api/v1/agents/${red.id}`)).body.labels).toEqual({ team: "red", "zone/eu": "" })
    expect((await api.get(`/api/v1/agents/${plain.id}`)).body.labels).toEqual({})
    // Stored once in its row: still there after the agent changed.
    await httpClient(t.url, red.token).post(`/api/v1/agents/${red.id}/heartbeat?wait=1`, { load: 0.25 })
    expect((await api.get(`/api/v1/agents/${red.id}`)).body).toMatchObject({
      status: "online",
      load: 0.25,
      labels: { team: "red", "zone/eu": "" },
    })

    const listed = async (label: string) =>
      ((await api.get(`/api/v1/agents?capability=labelled&label=${encodeURIComponent(label)}`)).body.items as Array<{ id: string }>)
        .map((agent) => agent.id)
        .sort()
    expect(await listed("team")).toEqual([red.id, blue.id].sort())
    expect(await listed("team=red")).toEqual([red.id])
    expect(await listed("team=green")).toEqual([])
    expect(await listed("zone/eu=")).toEqual([red.id])
    expect(await listed("zone/eu")).toEqual([red.id])
    expect((await api.get("/api/v1/agents?label=%3Dred")).body).toEqual({
      error: { code: "validation_failed", message: 'label: expected a label key, or key=value (LabelKey, LabelValue), got "=red"' },
    })
  })

  it("answers 404 for an unknown agent and 400 for an id that is not a UUID", async () => {
    const unknown = "7d444840-9dc0-41c3-8c3e-5f7e6a6fef00"
    expect(await api.get(`/api/v1/agents/${unknown}`)).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: `agent ${unknown} does not exist` } },
    })
    expect(await api.get("/api/v1/agents/nope")).toMatchObject({
      status: 400,
      body: { error: { code: "validation_failed", message: 'id: expected a UUID, got "nope"' } },
    })
    const heartbeat = await api.post(`/api/v1/agents/${unknown}/heartbeat`, {})
    expect(heartbeat.status).toBe(404)
    expect(heartbeat.body).toEqual({ error: { code: "not_found", message: `agent ${unknown} does not exist` } })
  })

  it("lists agents with status and capability filters, a page at a time", async () => {
    const names = ["p1", "p2", "p3"]
    const made = []
    for (const name of names) made.push(await register(name, ["paging", name]))
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: Answer = await api.get(`/api/v1/agents?capability=paging&limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      expect(page.status).toBe(200)
      expect(page.body.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.body.items.map((agent: { name: string }) => agent.name))
      cursor = page.body.next_cursor
    } while (cursor)
    expect(seen.sort()).toEqual(names)

    const only = await api.get("/api/v1/agents?capability=p2")
    expect(only.body.items.map((agent: { id: string }) => agent.id)).toEqual([made[1]?.id])
    await httpClient(t.url, made[0]?.token).post(`/api/v1/agents/${made[0]?.id}/heartbeat?wait=1`, {})
    const online = await api.get("/api/v1/agents?status=online&capability=paging")
    expect(online.body.items.map((agent: { id: string }) => agent.id)).toEqual([made[0]?.id])
    const all = await api.get("/api/v1/agents?limit=200")
    expect(all.body.items.length).toBeGreaterThanOrEqual(3)

    expect((await api.get("/api/v1/agents?status=sleeping")).body).toEqual({
      error: {
        code: "validation_failed",
        message: 'status: expected one of "offline", "online", "busy", "draining", "deregistered", got "sleeping"',
      },
    })
    expect((await api.get("/api/v1/agents?limit=0")).body).toEqual({
      error: { code: "validation_failed", message: "limit: expected a value between 1 and 200, got 0" },
    })
    const badCursor = await api.get("/api/v1/agents?cursor=zzz")
    expect(badCursor.status).toBe(400)
    expect(badCursor.body.error).toEqual({ code: "validation_failed", message: 'cursor "zzz": not a cursor this listing returned' })
    // Cursors shaped like a listing's but holding what Postgres cannot take: a time past any date, a NUL byte.
    for (const position of [`99999999999999999999:${made[0]?.id}`, `1:${made[0]?.id}\u0000`]) {
      const cursor = Buffer.from(position).toString("base64url")
      for (const listing of ["agents", "sessions", "tasks", "actors"]) {
        expect((await api.get(`/api/v1/${listing}?cursor=${cursor}`)).body).toEqual({
          error: { code: "validation_failed", message: `cursor "${cursor}": not a cursor this listing returned` },
        })
      }
    }
  })

  it("deregisters an agent: its tokens stop working and later commands are refused with 409", async () => {
    const { id, token } = await register("leaver", ["code"])
    const bot = httpClient(t.url, token)
    const gone = await bot.delete(`/api/v1/agents/${id}?wait=1`)
    expect(gone.status).toBe(200)
    expect(gone.body).toEqual({ id, state: "deregistered", stream_id: expect.stringMatching(STREAM_ID) })
    expect((await bot.post(`/api/v1/agents/${id}/heartbeat`, {})).status).toBe(401)
    expect(await t.deployment.schema.sql`select from agent_tokens where agent_id = ${id}`).toHaveLength(0)
    const refused = await api.post(`/api/v1/agents/${id}/heartbeat`, {})
    expect(refused.status).toBe(409)
    expect(refused.body).toEqual({ error: { code: "conflict", message: "HEARTBEAT is not accepted while the agent is deregistered" } })
    expect((await api.get(`/api/v1/agents/${id}`)).body.status).toBe("deregistered")
  })
})
