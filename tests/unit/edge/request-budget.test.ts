// An HTTP request's budget for its Redis and Postgres calls (src/edge/http/deadline.ts): the request's own CPU inside
// `paused` (decoding its body, validating its commands) does not spend it; the same CPU outside it does.
import { describe, expect, it } from "vitest"
import { requestBudget } from "../../../src/edge/http/deadline.ts"

/** Keeps the CPU busy for `ms`, as decoding a large body does. */
const busy = (ms: number): void => {
  const until = performance.now() + ms
  while (performance.now() < until);
}

describe("requestBudget", () => {
  it("does not count CPU inside paused: a request decoding longer than its budget still has it", async () => {
    const budget = requestBudget(30)
    const left = await budget.race(
      (async () => {
        await Promise.resolve()
        budget.paused(() => busy(80))
        budget.check()
        return budget.left()
      })(),
    )
    expect(left).toBeGreaterThan(0)
  })

  it("counts the same CPU outside paused, and answers 503's error once it is spent", async () => {
    const budget = requestBudget(30)
    const spent = budget.race(
      (async () => {
        await Promise.resolve()
        busy(80)
        budget.check()
        return budget.left()
      })(),
    )
    await expect(spent).rejects.toThrow("Redis or Postgres did not answer within 30 ms; try again")
  })
})
