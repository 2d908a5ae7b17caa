// Refusals before a route runs, over real HTTP, each with its exact error body and nothing written:
// unknown routes, bodies over the size cap (413, read by the client, the connection kept when declared), a body whose decoding outlasts the store budget answered for what
// it is (not 503), requests over the per-token rate (429, the operator
// 10 times the limit), and CORS
// (allowed origins get their headers and preflights, others are refused).
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxAppends, testEdge, type TestEdge } from "../../support/edge.ts"

const taskCount = async (t: TestEdge): Promise<number> => {
  const [row] = await t.deployment.schema.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task'`
  return row?.n ?? -1
}

describe("limits and refusals", () => {
  let small: TestEdge
  let roomy: TestEdge

  beforeAll(async () => {
    small = await testEdge({ limits: { maxPayloadBytes: 1024, allowedOrigins: ["https://dash.example"] } })
    roomy = await testEdge({ limits: { maxPayloadBytes: 32 * 1024 * 1024 }, runtime: false })
  })
  afterAll(async () => {
    await small?.close()
    await roomy?.close()
  })

  it("answers 404 with the error object for a path or method that is not a route", async () => {
    const nowhere = await small.api.get("/nowhere")
    expect(nowhere.status).toBe(404)
    expect(nowhere.body).toEqual({ error: { code: "not_found", message: "GET /nowhere: no such route" } })
    const wrongMethod = await small.api.request("PUT", "/api/v1/agents", { body: {} })
    expect(wrongMethod.status).toBe(404)
    expect(wrongMethod.body).toEqual({
      error: { code: "not_found", message: "PUT /api/v1/agents: no such route (this path takes POST, GET)" },
    })
  })

  it("refuses a body over the cap with 413, by Content-Length or while streaming, writing nothing", async () => {
    const big = { title: "x".repeat(2048), capability: "c" }
    const declared = await small.api.post("/api/v1/tasks", big)
    expect(declared.status).toBe(413)
    expect(declared.body).toEqual({ error: { code: "payload_too_large", message: "body: larger than 1024 bytes" } })

    const chunk = new TextEncoder().encode(" ".repeat(512))
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(chunk)
        controller.close()
      },
    })
    const streamed = await fetch(`${small.url}/api/v1/tasks`, {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { authorization: `Bearer ${small.operatorToken}`, "content-type": "application/json" },
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(await streamed.json()).toEqual({ error: { code: "payload_too_large", message: "body: larger than 1024 bytes" } })
    expect(await taskCount(small)).toBe(0)
    expect((await small.api.post("/api/v1/tasks", { title: "fits", capability: "c" })).status).toBe(201)
  })

  // Its own edge (a fresh Redis prefix): a retry of this test does not meet the window the first try spent. One
  // request first, in a window of its own, so the burst meets a warm edge (token, Redis clock, scripts, partitions) and
  // what it measures is the limit, not a cold start on a loaded host.
  it("refuses requests over the operator's rate (10 times the limit) with 429 and Retry-After, writing nothing, and serves again in the next second", async () => {
    const limited = await testEdge({ limits: { perTokenPerSecond: 1 } })
    try {
      expect((await limited.api.post("/api/v1/tasks", { title: "warm", capability: "c" })).status).toBe(201)
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, n) => limited.api.post("/api/v1/tasks", { title: `burst ${n}`, capability: "c" })),
      )
      const statuses = burst.map((answer) => answer.status).sort()
      expect(statuses).toEqual([...Array(10).fill(201), 429, 429])
      for (const refused of burst.filter((answer) => answer.status === 429)) {
        expect(refused.body.error.code).toBe("rate_limited")
        expect(refused.body.error.message).toMatch(/^more than 10 requests per second for this token; retry in \d+ ms$/)
        expect(refused.headers.get("retry-after")).toBe("1")
      }
      expect(await taskCount(limited)).toBe(11)
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      expect((await limited.api.post("/api/v1/tasks", { title: "later", capability: "c" })).status).toBe(201)
    } finally {
      await limited.close()
    }
  })

  it("lets allowed origins in with CORS headers and preflights, and refuses others", async () => {
    const origin = "https://dash.example"
    const preflight = await small.api.request("OPTIONS", "/api/v1/agents", {
      token: null,
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST, GET, OPTIONS")
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type")

    const read = await small.api.get("/api/v1/agents", { headers: { origin } })
    expect(read.status).toBe(200)
    expect(read.headers.get("access-control-allow-origin")).toBe(origin)
    const sameHost = await small.api.get("/api/v1/agents", { headers: { origin: small.url } })
    expect(sameHost.headers.get("access-control-allow-origin")).toBe(small.url)

    const evil = await small.api.post("/api/v1/tasks", { title: "evil", capability: "c" }, { headers: { origin: "https://evil.example" } })
    expect(evil.status).toBe(403)
    expect(evil.body).toEqual({ error: { code: "forbidden", message: 'origin "https://evil.example" is not allowed' } })
    expect(evil.headers.get("access-control-allow-origin")).toBeNull()
    const evilPreflight = await small.api.request("OPTIONS", "/api/v1/tasks", { token: null, headers: { origin: "https://evil.example" } })
    expect(evilPreflight.status).toBe(403)
    expect((await small.api.request("OPTIONS", "/api/v1/nowhere", { token: null, headers: { origin } })).status).toBe(404)
    expect((await small.api.get("/api/v1/tasks?capability=c")).body.items.map((task: { title: string }) => task.title)).not.toContain(
      "evil",
    )
  })

  it("answers a large body over the cap by Content-Length with a 413 the client reads, and keeps the connection for the next request", async () => {
    // Closing with megabytes unread made the kernel reset the connection: fetch failed with "other side closed".
    const before = await taskCount(small)
    const huge = await small.api.post("/api/v1/tasks", { title: "x".repeat(2_000_000), capability: "c" })
    expect(huge.status).toBe(413)
    expect(huge.body).toEqual({ error: { code: "payload_too_large", message: "body: larger than 1024 bytes" } })

    const answers = await new Promise<string>((resolve, reject) => {
      const head = (path: string, length: number) =>
        `POST ${path} HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${small.operatorToken}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`
      const next = JSON.stringify({ title: "after", capability: "c" })
      const socket = connect(small.edge.port, "127.0.0.1", () => {
        socket.write(head("/api/v1/tasks", 1_000_000))
        socket.write(Buffer.alloc(1_000_000, 0x20))
        socket.write(`${head("/api/v1/tasks", next.length)}${next}`)
      })
      let text = ""
      socket.setEncoding("latin1")
      socket.on("data", (chunk: string) => {
        text += chunk
        if ((text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === 2 && text.endsWith("}")) {
          socket.destroy()
          resolve(text)
        }
      })
      socket.on("error", reject)
    })
    expect((answers.match(/HTTP\/1\.1 \d{3}/g) ?? []).map((line) => line.slice(9))).toEqual(["413", "201"])
    expect(await taskCount(small)).toBe(before + 1)
  })

  it("answers a body whose decoding takes longer than the 800 ms store budget for what it is, not 503", async () => {
    // 60,000 tasks: seconds of decoding and checking on any host, none of it a Redis or Postgres call
    const tasks = Array.from({ length: 60_000 }, (_, n) => ({ key: `t${n}`, title: "t", capability: "c" }))
    const started = performance.now()
    const refused = await roomy.api.post("/api/v1/sessions", { title: "huge", tasks })
    expect(performance.now() - started).toBeGreaterThan(800)
    expect(refused.status).toBe(413)
    expect(refused.body.error.message).toMatch(/^payload: \d{8} bytes as an inbox command, more than 2097152$/)
    expect(await inboxAppends(roomy.deployment)).toBe(0)
  })
})
