// Task creation from input: initial state, defaults, and what creation emits.
import { describe, expect, it } from "vitest"
import { T0, startTask, taskIn } from "./harness.ts"

describe("task creation", () => {
  it("starts ready and asks to be routed when created unblocked", () => {
    const task = startTask({ priority: 1 })
    expect(task.state()).toBe("ready")
    expect(task.creation).toEqual([{ type: "task.ready", capability: "code", priority: 1, group: null }])
    expect(task.context()).toMatchObject({ status: "ready", readyAt: T0, createdAt: T0, updatedAt: T0 })
  })

  it("starts blocked and emits nothing when created blocked", () => {
    const task = startTask({ blocked: true })
    expect(task.state()).toBe("blocked")
    expect(task.creation).toEqual([])
    expect(task.context()).toMatchObject({ status: "blocked", readyAt: null })
  })

  it("fills the documented defaults and keeps the input", () => {
    const task = startTask({ sessionId: "session-1", index: 4, key: "parse", dependsOn: ["task-0"], dependants: ["task-9"], blocked: true })
    expect(task.context()).toEqual({
      id: "task-1",
      sessionId: "session-1",
      index: 4,
      key: "parse",
      title: "Build the parser",
      capability: "code",
      payload: { repo: "parser" },
      dependsOn: ["task-0"],
      dependants: ["task-9"],
      dependenciesDone: [],
      held: true,
      epoch: 0,
      finishedEpoch: null,
      timeoutS: 300,
      maxAttempts: 3,
      priority: 2,
      group: null,
      requiresApproval: false,
      approvalTimeoutS: null,
      approvedAt: null,
      approvalDeadlineAt: null,
      status: "blocked",
      agentId: null,
      attempt: 0,
      attemptsBefore: 0,
      takenFrom: [],
      refuseAssignFrom: null,
      firstStartedAt: null,
      progress: 0,
      progressMessage: null,
      result: null,
      error: null,
      cancelReason: null,
      deadlineAt: null,
      retryAt: null,
      createdAt: T0,
      readyAt: null,
      assignedAt: null,
      claimedAt: null,
      startedAt: null,
      finishedAt: null,
      updatedAt: T0,
    })
  })

  it("uses the given timeout, attempts and priority instead of the defaults", () => {
    const task = startTask({ timeoutS: 30, maxAttempts: 5, priority: 0 })
    expect(task.context()).toMatchObject({ timeoutS: 30, maxAttempts: 5, priority: 0, sessionId: null, index: null, key: null })
  })

  it("stays blocked, unheld, while a dependency has not completed", () => {
    const task = startTask({ dependsOn: ["task-0"] })
    expect(task.state()).toBe("blocked")
    expect(task.creation).toEqual([])
    expect(task.context()).toMatchObject({ held: false, readyAt: null })
  })

  it("SESSION_RUN moves a held task to ready, announcing the state and asking to be routed", () => {
    const task = taskIn("blocked", { priority: 4 })
    const effects = task.send({ type: "SESSION_RUN", epoch: 1, at: T0 + 500 })
    expect(task.state()).toBe("ready")
    expect(effects).toEqual([
      { type: "task.status", from: "blocked", status: "ready", epoch: 1 },
      { type: "task.ready", capability: "code", priority: 4, group: null },
    ])
    expect(task.context()).toMatchObject({ held: false, epoch: 1, readyAt: T0 + 500, updatedAt: T0 + 500 })
  })
})
