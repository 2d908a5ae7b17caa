// Invariant 9: a session's snapshot does not grow with its number of tasks, and a task's context does not
// depend on its session's size (only on its own dependencies and dependants).
import { describe, expect, it } from "vitest"
import { attempt, startSession, task, type SessionHarness } from "./harness.ts"

/** A chain of `size` tasks, each waiting for the one before it. */
function chain(size: number): SessionHarness {
  const tasks = Array.from({ length: size }, (_, i) => task(`t${i}`, i === 0 ? [] : [`t${i - 1}`]))
  return startSession({ tasks, timeoutS: 600 })
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value))
const persisted = (session: SessionHarness): number => bytes(session.snapshot().context) + bytes(session.snapshot().value)

describe("session size", () => {
  const small = chain(10)
  const large = chain(5_000)

  it("keeps a snapshot of the same size for 10 and for 5,000 tasks, at every step", () => {
    const sizes = (session: SessionHarness): number[] => {
      const steps = [persisted(session)]
      session.send({ type: "START", at: session.now() })
      steps.push(persisted(session))
      session.report("t0", ...attempt("completed"))
      steps.push(persisted(session))
      session.send({ type: "PAUSE", at: session.now() })
      steps.push(persisted(session))
      return steps
    }
    const [ten, fiveThousand] = [sizes(small), sizes(large)]
    // Only the digits of the counts differ (10 against 5000, 9 against 4999...).
    ten.forEach((size, step) => expect(Math.abs((fiveThousand[step] ?? 0) - size)).toBeLessThanOrEqual(12))
    expect(Math.max(...fiveThousand)).toBeLessThan(1_500)
    expect(large.context().metrics.tasks).toMatchObject({ completed: 1, ready: 1, blocked: 4_998 })
  })

  it("gives a task the same context in a session of 10 and of 5,000 tasks", () => {
    expect(small.tasks().slice(0, 3)).toEqual(large.tasks().slice(0, 3))
    for (const key of ["t0", "t1", "t5"]) expect(large.taskContext(key)).toEqual(small.taskContext(key))
    expect(large.taskContext("t1").dependants).toHaveLength(1)
  })
})
