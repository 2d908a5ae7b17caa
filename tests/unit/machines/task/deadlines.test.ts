// DEADLINE: a held task times out for good when its armed deadline fires; late deadlines are ignored silently.
import { describe, expect, it } from "vitest"
import { backoffMs } from "../../../../machines/task.ts"
import { AGENT, T0, TIMEOUT_MS, announced, taskIn } from "./harness.ts"
import { TASK_STATUSES } from "../../../../machines/task-statuses.ts"

describe("task deadlines", () => {
  it("DEADLINE in assigned on the last attempt times the task out for good, tells the agent to stop and frees it", () => {
    const task = taskIn("assigned", { maxAttempts: 1 })
    const at = T0 + 1_000 + TIMEOUT_MS
    const effects = task.send({ type: "DEADLINE", attempt: 0, at })
    expect(task.state()).toBe("timed_out")
    expect(effects).toEqual([
      { type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "timed_out" },
      { type: "task.released", agentId: AGENT, outcome: "timed_out" },
      ...announced("assigned", "timed_out"),
    ])
    expect(task.context()).toMatchObject({ finishedAt: at, agentId: AGENT, attempt: 1 })
  })

  it("DEADLINE in in_progress with attempts left tells the bot, frees it and retries on a new attempt after the backoff", () => {
    const task = taskIn("in_progress", { maxAttempts: 2 })
    const at = T0 + 2_000 + TIMEOUT_MS
    const effects = task.send({ type: "DEADLINE", attempt: 1, at })
    expect(task.state()).toBe("retry_wait")
    const retryAt = at + backoffMs("task-1", 1)
    expect(effects).toEqual([
      { type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "timed_out" },
      { type: "task.released", agentId: AGENT, outcome: "timed_out" },
      { type: "timer.arm", name: "retry", fireAt: retryAt, event: { type: "RETRY_DUE", attempt: 1 } },
      ...announced("in_progress", "retry_wait"),
    ])
    task.send({ type: "RETRY_DUE", attempt: 1, at: retryAt })
    expect(task.state()).toBe("ready")
    const reassigned = task.send({ type: "ASSIGN", agentId: AGENT, at: retryAt + 1 })
    expect(reassigned).toContainEqual(expect.objectContaining({ type: "task.assigned", attempt: 2 }))
  })

  it("an assignment that times out before its start spends its attempt, so timeouts end", () => {
    const task = taskIn("assigned", { maxAttempts: 2 })
    task.send({ type: "DEADLINE", attempt: 0, at: T0 + 1_000 + TIMEOUT_MS })
    expect(task.state()).toBe("retry_wait")
    expect(task.context().attempt).toBe(1)
    const retryAt = task.context().retryAt ?? Number.NaN
    task.send({ type: "RETRY_DUE", attempt: 1, at: retryAt })
    task.send({ type: "ASSIGN", agentId: AGENT, at: retryAt + 1 })
    const effects = task.send({ type: "DEADLINE", attempt: 1, at: retryAt + 1 + TIMEOUT_MS })
    expect(task.state()).toBe("timed_out")
    expect(effects[0]).toEqual({ type: "task.cancelled", agentId: AGENT, attempt: 2, reason: "timed_out" })
    expect(task.context().attempt).toBe(2)
  })

  it("a deadline armed at assignment is stale once the attempt has started", () => {
    const task = taskIn("in_progress")
    const before = task.context()
    expect(task.send({ type: "DEADLINE", attempt: 0, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
    expect(task.state()).toBe("in_progress")
    expect(task.context()).toEqual(before)
  })

  it("a deadline that fired before PROGRESS renewed it does not time out a live job", () => {
    const task = taskIn("in_progress", { maxAttempts: 1 })
    const firstDeadline = T0 + 2_000 + TIMEOUT_MS
    task.send({ type: "PROGRESS", agentId: AGENT, progress: 0.9, at: firstDeadline - 1 })
    expect(task.send({ type: "DEADLINE", attempt: 1, at: firstDeadline })).toEqual([])
    expect(task.state()).toBe("in_progress")
    task.send({ type: "DEADLINE", attempt: 1, at: firstDeadline - 1 + TIMEOUT_MS })
    expect(task.state()).toBe("timed_out")
  })

  it("a deadline from an earlier assignment does not time out the next one", () => {
    const task = taskIn("assigned")
    task.send({ type: "AGENT_LOST", agentId: AGENT, at: T0 + 5_000 })
    task.send({ type: "ASSIGN", agentId: "agent-3", at: T0 + 6_000 })
    expect(task.send({ type: "DEADLINE", attempt: 0, at: T0 + 1_000 + TIMEOUT_MS })).toEqual([])
    expect(task.state()).toBe("assigned")
  })

  for (const status of TASK_STATUSES.filter((s) => s !== "assigned" && s !== "in_progress")) {
    it(`a DEADLINE arriving in ${status} is ignored without a refusal`, () => {
      const task = taskIn(status)
      const before = task.context()
      expect(task.send({ type: "DEADLINE", attempt: before.attempt, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }

  for (const status of TASK_STATUSES.filter((s) => s !== "retry_wait")) {
    it(`a RETRY_DUE arriving in ${status} is ignored without a refusal`, () => {
      const task = taskIn(status)
      const before = task.context()
      expect(task.send({ type: "RETRY_DUE", attempt: before.attempt, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }
})
