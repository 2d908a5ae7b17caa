// How the edge waits for an HTTP command's appends (src/edge/http/command.ts): each is given a deadline
// on Redis's clock that Redis's clock has passed when the request's budget is spent; unconfirmed by
// then, or answered "expired", the answer is 503 NOT_CONFIRMED; without a fresh estimate of Redis's
// clock one is taken first; a batch confirmed only in part names what was accepted. The appends here
// are functions standing in for Redis (the script itself: tests/integration/redis/append.test.ts;
// against a real hung Redis: tests/e2e/http/slow-append.test.ts and outages.test.ts).
import { performance } from "node:perf_hooks"
import { describe, expect, it } from "vitest"
import type { EdgeContext } from "../../../src/edge/context.ts"
import { appendAll, appendSent, NOT_CONFIRMED } from "../../../src/edge/http/command.ts"
import { requestBudget } from "../../../src/edge/http/deadline.ts"
import { Unreachable } from "../../../src/edge/http/failure.ts"
import { type ClockEstimate, MARGIN_MS, type RedisClock } from "../../../src/redis/clock.ts"
import { AppendExpired } from "../../../src/redis/scripts.ts"
import type { AppendFn, Appended } from "../../../src/runtime/append.ts"

const BUDGET_MS = 150
const OFFSET_MS = 1_000_000
const ERROR_MS = 10

/** Redis's clock 1,000 s ahead of ours, known within ERROR_MS; `held` false: no estimate until sampled. */
const clockOf = (options: { held?: boolean; sample?: () => Promise<void> } = {}): RedisClock & { samples: number } => {
  let estimate: ClockEstimate | undefined = options.held === false ? undefined : { offsetMs: OFFSET_MS, errorMs: ERROR_MS, takenAt: 0 }
  const clock = {
    samples: 0,
    now: () => performance.now(),
    sample: async () => {
      clock.samples += 1
      await (options.sample ?? (async () => undefined))()
      estimate = { offsetMs: OFFSET_MS, errorMs: ERROR_MS, takenAt: 0 }
    },
    fresh: () => estimate,
  }
  return clock
}

const contextWith = (redisClock: RedisClock, append: AppendFn = async () => ({ partition: 0, streamId: "1-0", duplicate: false })) =>
  ({ budget: requestBudget(BUDGET_MS), redisClock, append }) as unknown as EdgeContext

const never = () => new Promise<never>(() => undefined)
const timed = async (work: Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
  const start = performance.now()
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return { error, ms: performance.now() - start }
}

describe("an append's confirmation", () => {
  it("is waited for until the budget is spent, with a deadline Redis's clock has passed by then", async () => {
    const ctx = contextWith(clockOf())
    let deadline = 0
    const start = performance.now()
    const { error, ms } = await timed(
      appendSent(ctx, (given) => {
        deadline = given()
        return never()
      }),
    )
    expect(error).toEqual(new Unreachable(NOT_CONFIRMED))
    expect(ms).toBeGreaterThanOrEqual(BUDGET_MS - 2)
    expect(ms).toBeLessThan(BUDGET_MS + 50)
    // Redis's clock at the answer, even running ERROR_MS behind the estimate, is past the deadline...
    expect(start + ms + OFFSET_MS - ERROR_MS).toBeGreaterThan(deadline)
    // ...which left Redis the budget less the bound's width and the margin to run the append.
    expect(deadline - (start + OFFSET_MS + ERROR_MS)).toBeGreaterThan(BUDGET_MS - 2 * ERROR_MS - MARGIN_MS - 5)
  })

  it("does not count the time spent validating the commands, and fixes their deadline after it", async () => {
    const ctx = contextWith(clockOf())
    const VALIDATING_MS = 100
    let deadline = 0
    let validated = 0
    const start = performance.now()
    // Inside the request's race, as every route runs (dispatch.ts).
    const { error } = await timed(
      ctx.budget.race(
        Promise.resolve().then(() =>
          appendSent(ctx, async (given) => {
            while (performance.now() - start < VALIDATING_MS) {
              // validating, synchronously
            }
            validated = performance.now()
            await Promise.resolve()
            deadline = given()
            return never()
          }),
        ),
      ),
    )
    const total = performance.now() - start
    expect(error).toEqual(new Unreachable(NOT_CONFIRMED))
    expect(total).toBeGreaterThanOrEqual(VALIDATING_MS + BUDGET_MS - 2)
    expect(total).toBeLessThan(VALIDATING_MS + BUDGET_MS + 50)
    expect(deadline - (validated + OFFSET_MS + ERROR_MS)).toBeGreaterThan(BUDGET_MS - 2 * ERROR_MS - MARGIN_MS - 5)
    expect(start + total + OFFSET_MS - ERROR_MS).toBeGreaterThan(deadline)
  })

  it("ends at once with the same 503 when Redis answers that the deadline had passed", async () => {
    const { error, ms } = await timed(appendSent(contextWith(clockOf()), async () => Promise.reject(new AppendExpired("late"))))
    expect(error).toEqual(new Unreachable(NOT_CONFIRMED))
    expect(ms).toBeLessThan(BUDGET_MS / 2)
  })

  it("answers what Redis confirmed in time", async () => {
    expect(await appendSent(contextWith(clockOf()), async (deadline) => deadline() > OFFSET_MS)).toBe(true)
  })

  it("takes an estimate of Redis's clock first when none is fresh, on the budget, sending nothing if Redis does not answer", async () => {
    const sampled = clockOf({ held: false })
    expect(await appendSent(contextWith(sampled), async () => "sent")).toBe("sent")
    expect(sampled.samples).toBe(1)

    let sends = 0
    const hung = clockOf({ held: false, sample: never })
    const { error, ms } = await timed(appendSent(contextWith(hung), async () => (sends += 1)))
    expect(error).toEqual(new Unreachable(NOT_CONFIRMED))
    expect(ms).toBeLessThan(BUDGET_MS + 50)
    expect(sends).toBe(0)
  })
})

describe("a batch's appends", () => {
  const command = (id: string) => ({ kind: "task", id, type: "CREATE", payload: {} })
  const appended = (streamId: string): Appended => ({ partition: 0, streamId, duplicate: false })

  it("answers every entry when Redis confirmed every append, all sent with one deadline", async () => {
    const deadlines = new Set<number | undefined>()
    const ctx = contextWith(clockOf(), async (c) => {
      deadlines.add(c.deadline?.())
      return appended(`${c.id}-0`)
    })
    expect(await appendAll(ctx, [command("1"), command("2")])).toEqual([appended("1-0"), appended("2-0")])
    expect(deadlines.size).toBe(1)
  })

  it("is 503 NOT_CONFIRMED when no append was confirmed", async () => {
    const ctx = contextWith(clockOf(), async (c) => (c.id === "1" ? never() : Promise.reject(new AppendExpired("late"))))
    const { error } = await timed(appendAll(ctx, [command("1"), command("2")]))
    expect(error).toEqual(new Unreachable(NOT_CONFIRMED))
  })

  it("names the commands that were accepted when only some were confirmed in time", async () => {
    const ctx = contextWith(clockOf(), async (c) =>
      ["a", "b", "d"].includes(c.id) ? appended(`${c.id}-0`) : c.id === "c" ? Promise.reject(new AppendExpired("late")) : never(),
    )
    const { error } = await timed(appendAll(ctx, ["a", "b", "c", "d", "e"].map(command)))
    expect(error).toEqual(
      new Unreachable(
        "Redis confirmed only 3 of the 5 commands in time: those at positions 0-1, 3 (ids a, b, d) were accepted, the others were not",
      ),
    )
  })
})
