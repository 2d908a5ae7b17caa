// DEADLINE: a held task times out for good when its armed deadline fires; late deadlines are ignored silently.
import { describe, expect, it } from "vitest"
import { AGENT, ALL_STATUSES, T0, TIMEOUT_MS, announced, taskIn } from "./harness.ts"

describe("task deadlines", () => {
  it("DEADLINE in assigned times the task out, tells the agent to stop and frees it", () => {
    const task = taskIn("assigned")
    const at = T0 + 1_000 + TIMEOUT_MS
    const effects = task.send({ type: "DEADLINE", attempt: 0, at })
    expect(task.state()).toBe("timed_out")
    expect(effects).toEqual([
      { type: "task.cancelled", agentId: AGENT, reason: "timed_out" },
      { type: "task.released", agentId: AGENT, outcome: "timed_out" },
      ...announced("assigned", "timed_out"),
    ])
    expect(task.context()).toMatchObject({ finishedAt: at, agentId: AGENT })
  })

  it("DEADLINE in in_progress times out without a retry, even with attempts left", () => {
    const task = taskIn("in_progress", { maxAttempts: 5 })
    const effects = task.send({ type: "DEADLINE", attempt: 1, at: T0 + 2_000 + TIMEOUT_MS })
    expect(task.state()).toBe("timed_out")
    expect(effects).toEqual([
      { type: "task.cancelled", agentId: AGENT, reason: "timed_out" },
      { type: "task.released", agentId: AGENT, outcome: "timed_out" },
      ...announced("in_progress", "timed_out"),
    ])
  })

  it("a deadline armed at assignment is stale once the attempt has started", () => {
    const task = taskIn("in_progress")
    const before = task.context()
    expect(task.send({ type: "DEADLINE", attempt: 0, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
    expect(task.state()).toBe("in_progress")
    expect(task.context()).toEqual(before)
  })

  it("a deadline that fired before PROGRESS renewed it does not time out a live job", () => {
    const task = taskIn("in_progress")
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

  for (const status of ALL_STATUSES.filter((s) => s !== "assigned" && s !== "in_progress")) {
    it(`a DEADLINE arriving in ${status} is ignored without a refusal`, () => {
      const task = taskIn(status)
      const before = task.context()
      expect(task.send({ type: "DEADLINE", attempt: before.attempt, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }

  for (const status of ALL_STATUSES.filter((s) => s !== "retry_wait")) {
    it(`a RETRY_DUE arriving in ${status} is ignored without a refusal`, () => {
      const task = taskIn(status)
      const before = task.context()
      expect(task.send({ type: "RETRY_DUE", attempt: before.attempt, at: T0 + 10 * TIMEOUT_MS })).toEqual([])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }
})
