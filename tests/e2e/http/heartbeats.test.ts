// HTTP heartbeats (`POST /agents/{id}/heartbeat`) cost a transition only when they say something new
// (src/edge/http/heartbeat.ts): one that repeats the agent's last recorded one is answered 202 with that one's
// stream id and only pushes the agent's expiry back, so an agent beating over HTTP on an unchanged status stays
// online with one HEARTBEAT in its history and goes offline 3 intervals after its last heartbeat; a new load or
// status, `?wait=1`, an agent gone offline and the end of the record period each append one; another edge
// answers from the same record.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { edgeOn, httpClient, testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

const STREAM_ID = /^\d+-\d+$/
const RECORD_MS = 2_000

describe("heartbeats over HTTP", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge({ edge: { quotas: { heartbeatRecordMs: RECORD_MS } } })
  })
  afterAll(() => t?.close())

  const register = async (heartbeatIntervalMs = 10_000) => {
    const answer = await t.api.post("/api/v1/agents", {
      name: "http-bot",
      capabilities: ["beat"],
      heartbeat_interval_ms: heartbeatIntervalMs,
    })
    expect(answer.status).toBe(201)
    const { id, token } = answer.body as { id: string; token: string }
    return { id, token, bot: httpClient(t.url, token) }
  }
  /** The agent's HEARTBEAT transitions, oldest first. */
  const heartbeatsOf = async (agentId: string) =>
    (
      await t.deployment.schema.sql<{ event: string; from_state: string; to_state: string; at: Date }[]>`
        select event, from_state, to_state, at from transitions where actor_id = ${agentId} and event = 'HEARTBEAT' order by id`
    ).map((row) => ({ step: `${row.from_state}>${row.to_state}`, at: row.at.getTime() }))
  const counted = async (recorded: boolean): Promise<number> => {
    const text = (await t.api.get<string>("/metrics", { token: null })).body
    return Number(new RegExp(`^clawbot_heartbeats_total\\{recorded="${recorded}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0)
  }

  it("answers a repeat with the recorded heartbeat's stream id and appends nothing for it", async () => {
    const { id, bot } = await register()
    const first = await bot.post(`/api/v1/agents/${id}/heartbeat`, { status: "healthy" })
    expect(first.status).toBe(202)
    expect(first.body).toEqual({ id, stream_id: expect.stringMatching(STREAM_ID) })
    const repeatsBefore = await counted(false)
    for (const body of [{ status: "healthy" }, {}, { status: "healthy" }]) {
      const again = await bot.post(`/api/v1/agents/${id}/heartbeat`, body)
      expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: first.body })
    }
    expect((await counted(false)) - repeatsBefore).toBe(3)
    expect((await heartbeatsOf(id)).map((row) => row.step)).toEqual(["offline>online"])
    const agent = (await t.api.get(`/api/v1/agents/${id}`)).body
    expect(agent).toMatchObject({ status: "online", reported_status: "healthy", version: 2 })
  })

  it("appends a new load or status at once, and every heartbeat with ?wait=1", async () => {
    const { id, bot } = await register()
    const first = await bot.post(`/api/v1/agents/${id}/heartbeat`, { load: 0.5 })
    const load = await bot.post(`/api/v1/agents/${id}/heartbeat`, { load: 0.75 })
    expect(load.body.stream_id).not.toBe(first.body.stream_id)
    const status = await bot.post(`/api/v1/agents/${id}/heartbeat`, { load: 0.75, status: "busy" })
    expect(status.body.stream_id).not.toBe(load.body.stream_id)
    const waited = await bot.post(`/api/v1/agents/${id}/heartbeat?wait=1`, { load: 0.75, status: "busy" })
    expect(waited.status).toBe(200)
    expect(waited.body).toEqual({ id, state: "online", stream_id: expect.stringMatching(STREAM_ID) })
    expect(waited.body.stream_id).not.toBe(status.body.stream_id)
    // The one waited for is the record now.
    expect((await bot.post(`/api/v1/agents/${id}/heartbeat`, {})).body.stream_id).toBe(waited.body.stream_id)
    expect(await heartbeatsOf(id)).toHaveLength(4)
    expect((await t.api.get(`/api/v1/agents/${id}`)).body).toMatchObject({ load: 0.75, reported_status: "busy" })
  })

  it("keeps an agent online while repeats come, takes it offline 3 intervals after the last, and brings it back with the next", async () => {
    const intervalMs = 150
    const { id, bot } = await register(intervalMs)
    const started = Date.now()
    expect((await bot.post(`/api/v1/agents/${id}/heartbeat`, {})).status).toBe(202)
    let last = Date.now()
    // Well past three windows of the expiry the first heartbeat armed, within one record period.
    while (Date.now() - started < 5 * intervalMs) {
      await new Promise((resolve) => setTimeout(resolve, 60))
      last = Date.now()
      expect((await bot.post(`/api/v1/agents/${id}/heartbeat`, {})).status).toBe(202)
    }
    expect((await t.api.get(`/api/v1/agents/${id}`)).body.status).toBe("online")
    expect(await heartbeatsOf(id)).toHaveLength(1)

    await t.deployment.actor("agent", id, (row) => row.state === "offline", 10_000)
    const [expired] = await t.deployment.schema.sql<{ at: Date }[]>`
      select at from transitions where actor_id = ${id} and event = 'HEARTBEAT_EXPIRED'`
    expect(expired!.at.getTime()).toBeGreaterThanOrEqual(last + 3 * intervalMs - 50)
    // Offline: its expiry is no longer armed, so the next heartbeat is appended and brings it back.
    const back = await bot.post(`/api/v1/agents/${id}/heartbeat`, {})
    expect(back.status).toBe(202)
    await t.deployment.actor("agent", id, (row) => row.state === "online")
    expect((await heartbeatsOf(id)).map((row) => row.step)).toEqual(["offline>online", "offline>online"])
  })

  it("appends one that says nothing new once the record period has passed", async () => {
    const { id, bot } = await register()
    const first = await bot.post(`/api/v1/agents/${id}/heartbeat`, {})
    const recordedAt = Date.now()
    await waitFor("a heartbeat appended after the record period", async () => {
      const answer = await bot.post(`/api/v1/agents/${id}/heartbeat`, {})
      return answer.body.stream_id === first.body.stream_id ? undefined : true
    })
    expect(Date.now() - recordedAt).toBeGreaterThanOrEqual(RECORD_MS - 100)
    expect(await heartbeatsOf(id)).toHaveLength(2)
  })

  it("answers alike on another edge: the record is Redis's", async () => {
    const { id, token, bot } = await register()
    const first = await bot.post(`/api/v1/agents/${id}/heartbeat`, { status: "degraded" })
    const other = await edgeOn(t.deployment, { operatorToken: t.operatorToken, edge: { quotas: { heartbeatRecordMs: RECORD_MS } } })
    try {
      const repeat = await httpClient(`http://127.0.0.1:${other.port}`, token).post(`/api/v1/agents/${id}/heartbeat`, {
        status: "degraded",
      })
      expect({ status: repeat.status, body: repeat.body }).toEqual({ status: 202, body: first.body })
      expect(await heartbeatsOf(id)).toHaveLength(1)
    } finally {
      await other.close()
    }
  })
})
