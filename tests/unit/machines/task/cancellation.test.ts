// CANCEL: every unfinished state ends in cancelled; a holding agent is told and freed, armed timers are cleared.
import { describe, expect, it } from "vitest"
import { AGENT, T0, announced, taskIn } from "./harness.ts"

const at = T0 + 20_000

describe("task cancellation", () => {
  for (const status of ["blocked", "ready"] as const) {
    it(`CANCEL in ${status} announces the cancellation with no agent to tell`, () => {
      const task = taskIn(status)
      const effects = task.send({ type: "CANCEL", reason: "session stopped", at })
      expect(task.state()).toBe("cancelled")
      expect(effects).toEqual([{ type: "task.cancelled", reason: "session stopped" }, ...announced(status, "cancelled")])
      expect(task.context()).toMatchObject({ cancelReason: "session stopped", finishedAt: at, updatedAt: at })
    })
  }

  for (const status of ["assigned", "in_progress"] as const) {
    it(`CANCEL in ${status} clears the deadline, tells the agent and frees it`, () => {
      const task = taskIn(status)
      const effects = task.send({ type: "CANCEL", reason: "operator", at })
      expect(task.state()).toBe("cancelled")
      expect(effects).toEqual([
        { type: "timer.clear", name: "deadline" },
        { type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "operator" },
        { type: "task.released", agentId: AGENT, outcome: "cancelled" },
        ...announced(status, "cancelled"),
      ])
      expect(task.context()).toMatchObject({ cancelReason: "operator", finishedAt: at })
    })
  }

  it("CANCEL in retry_wait clears the retry timer; the agent was already freed", () => {
    const task = taskIn("retry_wait")
    const effects = task.send({ type: "CANCEL", reason: "operator", at })
    expect(task.state()).toBe("cancelled")
    expect(effects).toEqual([
      { type: "timer.clear", name: "retry" },
      { type: "task.cancelled", reason: "operator" },
      ...announced("retry_wait", "cancelled"),
    ])
  })

  it("a retry timer that fires after the cancellation is ignored", () => {
    const task = taskIn("retry_wait")
    const due = task.context().retryAt ?? Number.NaN
    task.send({ type: "CANCEL", reason: "operator", at })
    expect(task.send({ type: "RETRY_DUE", attempt: 1, at: due })).toEqual([])
    expect(task.state()).toBe("cancelled")
  })
})
