// PROGRESS and COMPLETE while in progress: recorded progress, a renewed deadline, and completion's effects.
import { describe, expect, it } from "vitest"
import { AGENT, T0, TIMEOUT_MS, announced, taskIn } from "./harness.ts"

describe("task execution", () => {
  it("PROGRESS records progress and message and pushes the deadline out", () => {
    const task = taskIn("in_progress")
    const at = T0 + 100_000
    const effects = task.send({ type: "PROGRESS", agentId: AGENT, progress: 0.4, message: "parsing", at })
    expect(task.state()).toBe("in_progress")
    expect(effects).toEqual([{ type: "timer.arm", name: "deadline", fireAt: at + TIMEOUT_MS, event: { type: "DEADLINE", attempt: 1 } }])
    expect(task.context()).toMatchObject({
      progress: 0.4,
      progressMessage: "parsing",
      deadlineAt: at + TIMEOUT_MS,
      updatedAt: at,
    })
  })

  it("PROGRESS without a message keeps the last message", () => {
    const task = taskIn("in_progress")
    task.send({ type: "PROGRESS", agentId: AGENT, progress: 0.2, message: "parsing", at: T0 + 3_000 })
    task.send({ type: "PROGRESS", agentId: AGENT, progress: 0.6, at: T0 + 4_000 })
    expect(task.context()).toMatchObject({ progress: 0.6, progressMessage: "parsing" })
  })

  it("PROGRESS outside [0, 1] is clamped", () => {
    const task = taskIn("in_progress")
    task.send({ type: "PROGRESS", agentId: AGENT, progress: 1.7, at: T0 + 3_000 })
    expect(task.context().progress).toBe(1)
    task.send({ type: "PROGRESS", agentId: AGENT, progress: -0.5, at: T0 + 4_000 })
    expect(task.context().progress).toBe(0)
  })

  it("COMPLETE clears the deadline, frees the agent and records the result", () => {
    const task = taskIn("in_progress")
    const at = T0 + 50_000
    const effects = task.send({ type: "COMPLETE", agentId: AGENT, result: { lines: 120 }, at })
    expect(task.state()).toBe("completed")
    expect(effects).toEqual([
      { type: "timer.clear", name: "deadline" },
      { type: "task.released", agentId: AGENT, outcome: "completed" },
      ...announced("in_progress", "completed"),
    ])
    expect(task.context()).toMatchObject({
      result: { lines: 120 },
      progress: 1,
      finishedAt: at,
      agentId: AGENT,
      attempt: 1,
    })
  })

  it("COMPLETE without a result stores null", () => {
    const task = taskIn("in_progress")
    task.send({ type: "COMPLETE", agentId: AGENT, at: T0 + 50_000 })
    expect(task.context().result).toBeNull()
  })
})
