// The per-subject window in Redis (for request limits shared by every edge process): up to `limit`
// requests per window per subject, then refused with the time left; subjects are counted apart
// and a new window starts after the old one ends.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { takeFromWindow } from "../../../src/edge/rate-limit.ts"
import { waitFor } from "../../support/runtime.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge({ runtime: false })
})
afterAll(() => edge.close())

describe("rate-limit window", () => {
  it("allows up to the limit per window and subject", async () => {
    const take = (subject: string) => takeFromWindow(edge.deployment.redis, edge.ctx.keys, "test", subject, 3, 400)
    const verdicts = [await take("a"), await take("a"), await take("a"), await take("a")]
    expect(verdicts.map((verdict) => verdict.allowed)).toEqual([true, true, true, false])
    expect(verdicts.map((verdict) => verdict.remaining)).toEqual([2, 1, 0, 0])
    expect(verdicts[3]?.resetMs).toBeGreaterThan(0)
    expect(verdicts[3]?.resetMs).toBeLessThanOrEqual(400)
    expect((await take("b")).allowed).toBe(true)

    const window = edge.ctx.keys.rateLimit("test", "a")
    await waitFor("a's window to end", async () => ((await edge.deployment.redis.exists(window)) === 0 ? true : undefined))
    expect(await take("a")).toMatchObject({ allowed: true, remaining: 2 })
  })
})
