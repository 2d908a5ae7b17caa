// Restore: a task rebuilt from its stored snapshot (JSON, as in Postgres) carries on and still refuses visibly.
import { describe, expect, it } from "vitest"
import { AGENT, OTHER_AGENT, T0, announced, restoreTask, taskIn } from "./harness.ts"

describe("task restore", () => {
  it("a restored in-progress task keeps its context and completes with the same effects", () => {
    const original = taskIn("in_progress")
    const task = restoreTask(original.stored())
    expect(task.creation).toEqual([])
    expect(task.context()).toEqual(original.context())
    expect(task.send({ type: "COMPLETE", agentId: AGENT, at: T0 + 9_000 })).toEqual([
      { type: "timer.clear", name: "deadline" },
      { type: "task.released", agentId: AGENT, outcome: "completed" },
      ...announced("in_progress", "completed"),
    ])
    expect(task.state()).toBe("completed")
  })

  it("a restored completed task still answers ASSIGN, so the agent gets its capacity back", () => {
    const task = restoreTask(taskIn("completed").stored())
    expect(task.send({ type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 9_000 })).toEqual([
      { type: "task.assign_refused", agentId: OTHER_AGENT },
    ])
    expect(task.send({ type: "START", agentId: AGENT, at: T0 + 9_001 })).toEqual([
      expect.objectContaining({ type: "command.rejected", command: "START", state: "completed", code: "conflict" }),
    ])
  })
})
