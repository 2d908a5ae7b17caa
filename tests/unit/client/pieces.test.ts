// The client's pure pieces: reconnect delays (exponential, capped, jittered into their upper half),
// the bounded memory of seen event ids, and a view patch keeping every field `GET` answers.
import { describe, expect, it } from "vitest"
import { backoffDelay } from "../../../src/client/backoff.ts"
import { SeenIds } from "../../../src/client/seen.ts"
import { applyViewPatch } from "../../../src/client/view-patch.ts"

describe("backoffDelay", () => {
  it("doubles from the first delay up to the cap, drawn from the upper half", () => {
    const low = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000, random: () => 0 })
    const high = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000, random: () => 0.999999 })
    expect([0, 1, 2, 3, 4, 10, 500].map(low)).toEqual([50, 100, 200, 400, 500, 500, 500])
    expect([0, 1, 2, 3, 4, 10, 500].map(high)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000])
  })
})

describe("SeenIds", () => {
  it("answers true for a repeat and forgets the oldest past its capacity", () => {
    const seen = new SeenIds(2)
    expect([seen.check("a"), seen.check("b"), seen.check("a")]).toEqual([false, false, true])
    expect(seen.check("c")).toBe(false)
    expect(seen.check("a")).toBe(false)
    expect(seen.check("c")).toBe(true)
  })
})

describe("applyViewPatch", () => {
  it("sets a top-level field to null where RFC 7396 would remove it, and merges below", () => {
    const view = { status: "assigned", agent_id: "x", payload: { a: 1, b: 2 }, version: 3 }
    expect(applyViewPatch(view, { status: "ready", agent_id: null, payload: { b: null, c: 3 }, version: 4 })).toEqual({
      status: "ready",
      agent_id: null,
      payload: { a: 1, c: 3 },
      version: 4,
    })
    expect(view).toEqual({ status: "assigned", agent_id: "x", payload: { a: 1, b: 2 }, version: 3 })
  })
})
