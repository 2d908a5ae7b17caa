// The time budget of one HTTP request's Redis and Postgres calls: the route runs raced against it,
// so a server that does not answer turns into `503 unavailable` within the budget instead of a hang.
// Time spent waiting for the runtime's verdict (`?wait=1`, creations) is exempt: that wait has its own
// bound (limits.waitMs) and a late verdict is a 202, not a failure; so is the CPU time of validating
// commands as they are sent (`paused`). A wait that must end with its own answer when the budget runs
// out (an append's confirmation, ./command.ts) is `bound`.
import { performance } from "node:perf_hooks"
import { Unreachable } from "./failure.ts"

/** Redis and Postgres calls of one request take at most this long in total. */
const STORE_BUDGET_MS = 800

export interface RequestBudget {
  /** `work`, or Unreachable once the budget is spent (time inside `exempt` not counted). */
  race<T>(work: Promise<T>): Promise<T>
  /** Awaits `work` with the clock stopped. */
  exempt<T>(work: Promise<T>): Promise<T>
  /** Throws Unreachable when the budget is spent: call before a write that must not happen after a 503. */
  check(): void
  /** The ms left (Infinity when unbounded): while the clock runs, now + left() stays the same. */
  left(): number
  /** Like `race` (and nestable inside it), but rejects with `spent()` when the budget runs out first. */
  bound<T>(work: Promise<T>, spent: () => Error): Promise<T>
  /** Runs `work` (synchronous: validating what is about to be sent, not a store call) with the clock stopped. */
  paused<T>(work: () => T): T
}

const timeout = (ms: number) => new Unreachable(`Redis or Postgres did not answer within ${ms} ms; try again`)

/** No bound (sockets and background work). */
export const UNBOUNDED: RequestBudget = {
  race: (work) => work,
  exempt: (work) => work,
  check: () => undefined,
  left: () => Number.POSITIVE_INFINITY,
  bound: (work) => work,
  paused: (work) => work(),
}

export const requestBudget = (ms: number = STORE_BUDGET_MS): RequestBudget => {
  /** ms left when the clock last stopped or started (`since`). */
  let left = ms
  let since = performance.now()
  /** Whether time counts now (inside `race` or `bound`, outside `exempt` and `paused`). */
  let running = false
  let spent = false
  let timer: NodeJS.Timeout | undefined
  let expire: (error: Unreachable) => void = () => undefined
  const start = () => {
    since = performance.now()
    running = true
  }
  const stop = () => {
    if (running) left -= performance.now() - since
    running = false
  }
  const arm = () => {
    start()
    timer = setTimeout(
      () => {
        spent = true
        expire(timeout(ms))
      },
      Math.max(0, left),
    )
  }
  const disarm = () => {
    clearTimeout(timer)
    stop()
  }
  const remaining = () => (spent ? 0 : Math.max(0, left - (running ? performance.now() - since : 0)))
  return {
    race: async (work) => {
      const expired = new Promise<never>((_, reject) => (expire = reject))
      arm()
      try {
        return await Promise.race([work, expired])
      } finally {
        disarm()
      }
    },
    exempt: async (work) => {
      disarm()
      try {
        return await work
      } finally {
        if (!spent) arm()
      }
    },
    paused: (work) => {
      const wasRunning = running
      if (wasRunning) disarm()
      try {
        return work()
      } finally {
        if (wasRunning) arm()
      }
    },
    check: () => {
      if (remaining() <= 0) throw timeout(ms)
    },
    left: remaining,
    bound: async (work, onSpent) => {
      // The enclosing race's timer gives way to this one; time goes on counting.
      clearTimeout(timer)
      stop()
      start()
      let own: NodeJS.Timeout | undefined
      try {
        return await Promise.race([
          work,
          new Promise<never>((_, reject) => {
            own = setTimeout(() => reject(onSpent()), Math.max(0, left))
          }),
        ])
      } finally {
        clearTimeout(own)
        stop()
        // Re-armed even when nothing is left: the enclosing race then ends at once, as it would have.
        arm()
      }
    },
  }
}
