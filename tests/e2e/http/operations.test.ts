// The operational routes over real HTTP: /health, /live, /ready (with the in-process runtime's
// partitions) and /metrics (Prometheus text naming the edge's, the inbox's and the runtime's metrics;
// the in-process runtime's statistics reach it through Redis like any runtime process's).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connectBot, subscribe, type SubscribedEvent } from "../../../src/client/node.ts"
import { METRICS } from "../../../src/edge/metrics.ts"
import { testEdge, type Client, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

/** The value of one sample line `name{labels} value`, or undefined. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe("operational routes", () => {
  let t: TestEdge
  let api: Client

  beforeAll(async () => {
    t = await testEdge({ partitions: 2 })
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  it("answers /health and /live", async () => {
    expect((await api.get("/health", { token: null })).body).toEqual({ status: "ok", edge_id: t.edge.edgeId, uws: "native" })
    expect(await api.get("/live", { token: null })).toMatchObject({ status: 200, body: { status: "live" } })
  })

  it("is ready when Redis and Postgres answer and the runtime holds its partitions", async () => {
    const ready = await api.get("/ready", { token: null })
    expect(ready.status).toBe(200)
    expect(ready.body).toEqual({
      ready: true,
      checks: { redis: true, postgres: true, runtime: true, partitions: [0, 1], failing_partitions: {} },
    })
  })

  it("serves Prometheus text naming every metric, with requests, inbox lag and runtime statistics", async () => {
    /** A series of the runtime's, labelled with its member id. */
    const runtime = (name: string, labels = "") => `${name}{member="${t.runtime?.member}"${labels}}`
    const agent = await api.post("/api/v1/agents", { name: "m", capabilities: ["mx"] })
    expect(agent.status).toBe(201)
    await api.get("/api/v1/agents/nope")
    // The runtime publishes its statistics on its next tick after the batch: scrape once it has.
    const answer = await waitFor("the runtime's first batch in /metrics", async () => {
      const scraped = await api.get("/metrics", { token: null })
      return sample(scraped.body, runtime("clawbot_runtime_transitions_total", ',kind="agent"')) === undefined ? undefined : scraped
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8")
    const text = answer.body as string
    for (const [name, declaration] of Object.entries(METRICS)) {
      expect(text).toContain(`# HELP ${name} `)
      expect(text).toContain(`# TYPE ${name} ${declaration.type}\n`)
    }
    expect(sample(text, 'clawbot_http_requests_total{route="POST /api/v1/agents",status="201"}')).toBe(1)
    expect(sample(text, 'clawbot_http_requests_total{route="GET /api/v1/agents/{id}",status="400"}')).toBe(1)
    expect(sample(text, 'clawbot_http_request_seconds_count{route="POST /api/v1/agents"}')).toBe(1)
    expect(sample(text, 'clawbot_http_request_seconds_bucket{route="POST /api/v1/agents",le="+Inf"}')).toBe(1)
    const lags = [0, 1].map((partition) => sample(text, `clawbot_inbox_lag{partition="${partition}"}`))
    expect(lags.some((lag) => lag === 0)).toBe(true)
    expect(sample(text, runtime("clawbot_runtime_transitions_total", ',kind="agent"'))).toBeGreaterThanOrEqual(1)
    expect(sample(text, runtime("clawbot_runtime_commands_total", ',outcome="applied"'))).toBeGreaterThanOrEqual(1)
    expect(sample(text, runtime("clawbot_runtime_partitions_owned"))).toBe(2)
    const batchCount = sample(text, runtime("clawbot_runtime_batch_size_count"))
    expect(batchCount).toBeGreaterThanOrEqual(1)
    expect(sample(text, runtime("clawbot_runtime_batches_total"))).toBe(batchCount)
    expect(sample(text, runtime("clawbot_runtime_batch_seconds_bucket", ',le="+Inf"'))).toBe(batchCount)
    expect(sample(text, runtime("clawbot_runtime_snapshot_write_seconds_count"))).toBe(batchCount)

    await api.post("/api/v1/tasks", { title: "more", capability: "mx-more" })
    const later = await waitFor("the task's batch in /metrics", async () => {
      const scraped = (await api.get("/metrics")).body as string
      return sample(scraped, runtime("clawbot_runtime_transitions_total", ',kind="task"')) === 1 ? scraped : undefined
    })
    expect(sample(later, runtime("clawbot_runtime_batch_size_count"))).toBeGreaterThan(batchCount ?? 0)
  })

  it("serves the WebSockets on the same port: events of an agent registered over HTTP, and its control socket", async () => {
    const heard: SubscribedEvent[] = []
    const events = subscribe({ url: t.url, token: t.operatorToken, topics: ["agents"], onEvent: (event) => heard.push(event) })
    await events.ready()
    const agent = (await api.post("/api/v1/agents", { name: "watched", capabilities: ["wx"] })).body
    const created = await waitFor("the agent's event", async () => heard.find((event) => event.actor_id === agent.id))
    expect(created).toMatchObject({ topic: "agents", kind: "agent", to: "offline", event: "CREATE" })
    await events.close()

    const control = connectBot({ url: t.url, token: agent.token as string })
    expect(await control.connected()).toMatchObject({ agent_id: agent.id })
    await control.close()
  })
})
