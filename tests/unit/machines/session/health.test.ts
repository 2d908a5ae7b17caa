// Health: 1 − (failedAttempts + 2 × timedOut) / max(1, attempts + timedOut); degraded below 0.5, recovered at 0.7.
import { describe, expect, it } from "vitest"
import { DEGRADED_BELOW, DEGRADE_MIN_ATTEMPTS, RECOVERED_AT, healthScore } from "../../../../machines/session.ts"
import { attempt, sessionIn, task } from "./harness.ts"

describe("healthScore", () => {
  it("is 1 before any attempt ended", () => {
    expect(healthScore({ attemptsEnded: 0, failedAttempts: 0, timedOut: 0 })).toBe(1)
  })

  it("follows the documented formula", () => {
    expect(healthScore({ attemptsEnded: 4, failedAttempts: 1, timedOut: 0 })).toBe(0.75)
    expect(healthScore({ attemptsEnded: 4, failedAttempts: 1, timedOut: 1 })).toBeCloseTo(0.4)
  })

  it("stays within [0, 1]", () => {
    expect(healthScore({ attemptsEnded: 0, failedAttempts: 0, timedOut: 2 })).toBe(0)
  })

  it("uses the documented thresholds", () => {
    expect([DEGRADED_BELOW, DEGRADE_MIN_ATTEMPTS, RECOVERED_AT]).toEqual([0.5, 4, 0.7])
  })
})

describe("attempt counting from task reports", () => {
  const many = { tasks: ["a", "b", "c", "d", "e", "f"].map((id) => task(id)) }

  it("counts an attempt when a task leaves in_progress for completed, retry_wait, failed or timed_out", () => {
    const session = sessionIn("running", many)
    session.report("a", ...attempt("completed"))
    session.report("b", ...attempt("retry_wait"))
    session.report("c", ...attempt("failed"))
    session.report("d", ...attempt("timed_out"))
    expect(session.context().metrics).toMatchObject({ attemptsEnded: 4, failedAttempts: 2, timedOut: 1 })
    expect(session.context().metrics.health).toBeCloseTo(1 - 4 / 5)
  })

  it("counts a timeout before the start as timed out but not as an ended attempt", () => {
    const session = sessionIn("running", many)
    session.report("a", "assigned", "timed_out")
    expect(session.context().metrics).toMatchObject({ attemptsEnded: 0, failedAttempts: 0, timedOut: 1, health: 0 })
  })

  it("does not count a lost agent, a cancellation or a repeated report", () => {
    const session = sessionIn("running", many)
    session.report("a", "assigned", "in_progress", "ready")
    session.report("b", "assigned", "in_progress", "cancelled")
    session.report("c", ...attempt("completed"))
    session.report("c", "completed")
    expect(session.context().metrics).toMatchObject({ attemptsEnded: 1, failedAttempts: 0, timedOut: 0, health: 1 })
  })
})

describe("degraded and recovered", () => {
  const many = { tasks: ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => task(id)) }

  it("does not degrade before 4 attempts ended, however poor the health", () => {
    const session = sessionIn("running", many)
    for (const id of ["a", "b", "c"]) session.report(id, ...attempt("retry_wait"))
    expect(session.context().metrics.health).toBe(0)
    expect(session.state()).toBe("running")
    session.report("d", ...attempt("completed"))
    expect(session.state()).toBe("degraded")
  })

  it("does not degrade at exactly 0.5", () => {
    const session = sessionIn("running", many)
    for (const id of ["a", "b"]) session.report(id, ...attempt("retry_wait"))
    for (const id of ["c", "d"]) session.report(id, ...attempt("completed"))
    expect(session.context().metrics.health).toBe(0.5)
    expect(session.state()).toBe("running")
  })

  it("recovers only once health is back at 0.7", () => {
    const session = sessionIn("degraded", many)
    for (const id of ["b", "c", "d", "e", "f"]) session.report(id, ...attempt("completed"))
    expect(session.context().metrics.health).toBeCloseTo(1 - 3 / 9)
    expect(session.state()).toBe("degraded")
    session.report("g", ...attempt("completed"))
    expect(session.context().metrics.health).toBeCloseTo(0.7)
    expect(session.state()).toBe("running")
  })

  it("keeps releasing tasks while degraded", () => {
    const session = sessionIn("degraded", { tasks: [task("a"), task("b"), task("c", ["b"])] })
    session.report("b", ...attempt("completed"))
    expect(session.state()).toBe("degraded")
    expect(session.tasks()).toEqual(["completed", "completed", "ready"])
  })
})
