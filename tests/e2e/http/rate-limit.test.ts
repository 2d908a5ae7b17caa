// Rate limits on /api/v1 (issue 8, finding 5): counted per valid token, or per client address for a
// request without one; a random token never buys a fresh window and costs no Postgres lookup once its
// address is over the limit; a valid token keeps its own window; every 429 carries Retry-After.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type Answer, type TestEdge } from "../../support/edge.ts"

const LIMIT = 20

describe("rate limits", () => {
  let t: TestEdge
  let viewer: string

  const lookups = async (): Promise<number> => {
    const text = (await t.api.get<string>("/metrics", { token: null })).body
    return Number(/^clawbot_token_lookups_total (\d+)$/m.exec(text)?.[1] ?? 0)
  }
  const random = () => `random-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`
  /** Fills this address's current window, as a flood would have (the key is the window counter). */
  const exhaustAddress = async () => {
    const key = t.deployment.keys.rateLimit("http", "address:127.0.0.1")
    await t.deployment.redis.set(key, 1_000_000, "PX", 60_000)
  }
  const expectRateLimited = (answer: Answer, per: string) => {
    expect(answer.status).toBe(429)
    expect(answer.body.error.code).toBe("rate_limited")
    expect(answer.body.error.message).toMatch(new RegExp(`^more than ${LIMIT} requests per second ${per}; retry in \\d+ ms$`))
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
  }

  beforeAll(async () => {
    t = await testEdge({ limits: { perTokenPerSecond: LIMIT } })
    viewer = (await t.api.post("/api/v1/viewer-tokens", { name: "dash" })).body.token
    // Its first use, while its address's window is fresh: from now on it counts against its own window.
    expect((await t.api.get("/api/v1/agents", { token: viewer })).status).toBe(200)
  })
  afterAll(async () => {
    await t?.close()
  })

  it("answers 2,000 requests with random tokens mostly 429, looking up only those its address's window let in", async () => {
    const before = await lookups()
    const answers: Answer[] = []
    for (let round = 0; round < 20; round++) {
      answers.push(...(await Promise.all(Array.from({ length: 100 }, () => t.api.get("/api/v1/agents", { token: random() })))))
    }
    const refused = answers.filter((answer) => answer.status === 429)
    const unauthorized = answers.filter((answer) => answer.status === 401)
    expect(refused.length + unauthorized.length).toBe(2000)
    expect(refused.length).toBeGreaterThan(1000)
    for (const answer of refused) expectRateLimited(answer, "from this address")
    for (const answer of unauthorized)
      expect(answer.body).toEqual({ error: { code: "unauthorized", message: "Authorization: unknown or revoked token" } })
    expect((await lookups()) - before).toBe(unauthorized.length)
  }, 60_000)

  it("gives a valid token its own window while its address's is spent, and refuses random tokens without a lookup", async () => {
    await exhaustAddress()
    const before = await lookups()
    expectRateLimited(await t.api.get("/api/v1/agents", { token: random() }), "from this address")
    expectRateLimited(await t.api.get("/api/v1/agents", { token: null }), "from this address")
    expect(await lookups()).toBe(before)
    const own = await t.api.get("/api/v1/agents", { token: viewer })
    expect(own.status).toBe(200)
  })

  it("limits a valid token to its own window, with Retry-After", async () => {
    const answers = await Promise.all(Array.from({ length: LIMIT + 5 }, () => t.api.get("/api/v1/agents", { token: viewer })))
    const refused = answers.filter((answer) => answer.status === 429)
    expect(refused.length).toBeGreaterThanOrEqual(5)
    for (const answer of refused) expectRateLimited(answer, "for this token")
  })
})
