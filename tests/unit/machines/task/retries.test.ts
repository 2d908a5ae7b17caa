// FAIL, RETRY_DUE and RETRY: retrying with backoff until maxAttempts, and a manual retry after a final outcome.
import { describe, expect, it } from "vitest"
import { backoffMs } from "../../../../machines/task.ts"
import { AGENT, T0, announced, startTask, taskIn } from "./harness.ts"

describe("task retries", () => {
  it("FAIL with attempts left waits for a retry timer at the backoff delay", () => {
    const task = taskIn("in_progress")
    const at = T0 + 3_000
    const effects = task.send({ type: "FAIL", agentId: AGENT, error: "segfault", at })
    const fireAt = at + backoffMs("task-1", 1)
    expect(task.state()).toBe("retry_wait")
    expect(effects).toEqual([
      { type: "timer.clear", name: "deadline" },
      { type: "timer.arm", name: "retry", fireAt, event: { type: "RETRY_DUE", attempt: 1 } },
      { type: "task.released", agentId: AGENT, outcome: "failed" },
      ...announced("in_progress", "retry_wait"),
    ])
    expect(task.context()).toMatchObject({ error: "segfault", retryAt: fireAt, finishedAt: null, attempt: 1 })
  })

  it("RETRY_DUE for the waiting attempt makes the task ready to be routed again", () => {
    const task = taskIn("retry_wait")
    const due = task.context().retryAt ?? Number.NaN
    const effects = task.send({ type: "RETRY_DUE", attempt: 1, at: due })
    expect(task.state()).toBe("ready")
    expect(effects).toEqual([...announced("retry_wait", "ready"), { type: "task.ready", capability: "code", priority: 2, group: null }])
    expect(task.context()).toMatchObject({ agentId: null, readyAt: due, attempt: 1 })
  })

  it("RETRY_DUE for another attempt, or before the retry is due, is ignored without a refusal", () => {
    const task = taskIn("retry_wait")
    const due = task.context().retryAt ?? Number.NaN
    const before = task.context()
    expect(task.send({ type: "RETRY_DUE", attempt: 2, at: due })).toEqual([])
    expect(task.send({ type: "RETRY_DUE", attempt: 1, at: due - 1 })).toEqual([])
    expect(task.state()).toBe("retry_wait")
    expect(task.context()).toEqual(before)
  })

  it("the second attempt backs off longer, from the attempt's own hash", () => {
    const task = taskIn("retry_wait")
    task.send({ type: "RETRY_DUE", attempt: 1, at: T0 + 10_000 })
    task.send({ type: "ASSIGN", agentId: AGENT, at: T0 + 11_000 })
    task.send({ type: "START", agentId: AGENT, at: T0 + 12_000 })
    const effects = task.send({ type: "FAIL", agentId: AGENT, at: T0 + 13_000 })
    expect(effects).toContainEqual({
      type: "timer.arm",
      name: "retry",
      fireAt: T0 + 13_000 + backoffMs("task-1", 2),
      event: { type: "RETRY_DUE", attempt: 2 },
    })
    expect(task.context().error).toBeNull()
  })

  it("FAIL on the last attempt fails the task for good", () => {
    const task = taskIn("in_progress", { maxAttempts: 1 })
    const at = T0 + 3_000
    const effects = task.send({ type: "FAIL", agentId: AGENT, error: "boom", at })
    expect(task.state()).toBe("failed")
    expect(effects).toEqual([
      { type: "timer.clear", name: "deadline" },
      { type: "task.released", agentId: AGENT, outcome: "failed" },
      ...announced("in_progress", "failed"),
    ])
    expect(task.context()).toMatchObject({ error: "boom", finishedAt: at, attempt: 1, retryAt: null })
  })

  it("runs exactly maxAttempts attempts before failing", () => {
    const task = taskIn("ready", { maxAttempts: 3 })
    const outcomes: string[] = []
    for (let attempt = 1, at = T0; attempt <= 3; attempt++, at += 100_000) {
      task.send({ type: "ASSIGN", agentId: AGENT, at })
      task.send({ type: "START", agentId: AGENT, at: at + 1 })
      task.send({ type: "FAIL", agentId: AGENT, at: at + 2 })
      outcomes.push(task.state())
      if (task.state() === "retry_wait") task.send({ type: "RETRY_DUE", attempt, at: at + 90_000 })
    }
    expect(outcomes).toEqual(["retry_wait", "retry_wait", "failed"])
    expect(task.context().attempt).toBe(3)
  })

  for (const status of ["failed", "cancelled", "timed_out"] as const) {
    it(`RETRY from ${status} starts a fresh run, blocked while its session holds it, its attempts numbered on`, () => {
      const task = taskIn(status)
      const spent = task.context().attempt
      task.send({ type: "SESSION_HOLD", at: T0 + 800_000 })
      const at = T0 + 900_000
      const effects = task.send({ type: "RETRY", at })
      expect(task.state()).toBe("blocked")
      expect(effects).toEqual(announced(status, "blocked"))
      expect(task.context()).toMatchObject({
        attempt: spent,
        attemptsBefore: spent,
        agentId: null,
        progress: 0,
        progressMessage: null,
        result: null,
        error: null,
        cancelReason: null,
        deadlineAt: null,
        retryAt: null,
        readyAt: null,
        assignedAt: null,
        claimedAt: null,
        startedAt: null,
        finishedAt: null,
        createdAt: T0,
        updatedAt: at,
      })
    })
  }

  it("a retried task runs its full budget of attempts again, numbered on from the last run's", () => {
    const task = startTask({ maxAttempts: 2 })
    for (const [attempt, at] of [
      [1, T0 + 1_000],
      [2, T0 + 100_000],
    ] as const) {
      task.send({ type: "ASSIGN", agentId: AGENT, at })
      task.send({ type: "START", agentId: AGENT, attempt, at: at + 1 })
      task.send({ type: "FAIL", agentId: AGENT, error: "boom", at: at + 2 })
      if (attempt === 1) task.send({ type: "RETRY_DUE", attempt, at: at + 60_000 })
    }
    expect(task.state()).toBe("failed")
    task.send({ type: "RETRY", at: T0 + 900_000 })
    const assigned = task.send({ type: "ASSIGN", agentId: AGENT, at: T0 + 900_002 })
    expect(assigned).toContainEqual(expect.objectContaining({ type: "task.assigned", attempt: 3 }))
    // A late report of the last run's attempt is not this run's.
    expect(task.send({ type: "START", agentId: AGENT, attempt: 2, at: T0 + 900_003 })).toEqual([
      expect.objectContaining({ type: "command.rejected", code: "conflict", reason: "attempt 2 is over: the task runs attempt 3" }),
    ])
    task.send({ type: "START", agentId: AGENT, attempt: 3, at: T0 + 900_003 })
    // This run's first failure is retried (one of its two attempts), with a first attempt's backoff.
    const failed = task.send({ type: "FAIL", agentId: AGENT, error: "again", at: T0 + 900_004 })
    expect(task.state()).toBe("retry_wait")
    expect(failed).toContainEqual({
      type: "timer.arm",
      name: "retry",
      fireAt: T0 + 900_004 + backoffMs("task-1", 1),
      event: { type: "RETRY_DUE", attempt: 3 },
    })
    expect(task.context()).toMatchObject({ attempt: 3, attemptsBefore: 2 })
  })
})
