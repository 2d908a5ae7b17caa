// A task's side of its session's DAG: its dependencies' word (DEPENDENCY_FINISHED) and its session's sweeps
// (SESSION_RUN, SESSION_HOLD, SESSION_CANCEL), in whichever order they arrive.
import { describe, expect, it } from "vitest"
import { AGENT, T0, announced, startTask, taskIn } from "./harness.ts"

const [A, B] = ["dep-a", "dep-b"]
const at = T0 + 5_000
/** A session's task waiting for A and B, its session running (unheld) unless `held`. */
const waiting = (held = false) => startTask({ sessionId: "session-1", index: 2, dependsOn: [A, B, A], dependants: ["next"], blocked: held })

describe("a task's dependencies", () => {
  it("becomes ready once every dependency completed, counting a repeated one once", () => {
    const task = waiting()
    expect(task.send({ type: "DEPENDENCY_FINISHED", taskId: A, status: "completed", epoch: 0, at })).toEqual([])
    expect(task.send({ type: "DEPENDENCY_FINISHED", taskId: A, status: "completed", epoch: 0, at })).toEqual([])
    expect(task.state()).toBe("blocked")
    const effects = task.send({ type: "DEPENDENCY_FINISHED", taskId: B, status: "completed", epoch: 0, at })
    expect(effects).toEqual([...announced("blocked", "ready"), { type: "task.ready", capability: "code", priority: 2, group: null }])
    expect(task.context()).toMatchObject({ dependsOn: [A, B], dependenciesDone: [A, B], readyAt: at })
  })

  it("is cancelled, naming the dependency, when one fails for good, and tells its own dependants", () => {
    const task = waiting()
    const effects = task.send({ type: "DEPENDENCY_FINISHED", taskId: B, status: "timed_out", epoch: 0, at })
    expect(task.state()).toBe("cancelled")
    expect(effects).toEqual(announced("blocked", "cancelled"))
    expect(task.context()).toMatchObject({ cancelReason: `dependency ${B} timed_out`, finishedAt: at, finishedEpoch: 0 })
  })

  it("ignores a word from a task it does not wait for", () => {
    const task = waiting()
    const before = task.context()
    expect(task.send({ type: "DEPENDENCY_FINISHED", taskId: "stranger", status: "failed", epoch: 0, at })).toEqual([])
    expect(task.context()).toEqual(before)
  })

  it("stays blocked while its session holds it, and goes ready when the session runs it", () => {
    const task = waiting(true)
    task.send({ type: "DEPENDENCY_FINISHED", taskId: A, status: "completed", epoch: 0, at })
    task.send({ type: "DEPENDENCY_FINISHED", taskId: B, status: "completed", epoch: 0, at })
    expect(task.state()).toBe("blocked")
    task.send({ type: "SESSION_RUN", epoch: 1, at })
    task.send({ type: "SESSION_HOLD", at })
    expect(task.state()).toBe("ready")
  })
})

describe("a task and its session's sweeps", () => {
  it("is cancelled by SESSION_CANCEL without a report or a word to its dependants (its session counted it)", () => {
    const task = taskIn("in_progress", { sessionId: "session-1", index: 0, dependants: ["next"] })
    const effects = task.send({ type: "SESSION_CANCEL", reason: "session stopped", epoch: 1, at })
    expect(task.state()).toBe("cancelled")
    expect(effects).toEqual([
      { type: "timer.clear", name: "deadline" },
      { type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "session stopped" },
      { type: "task.released", agentId: AGENT, outcome: "cancelled" },
    ])
    expect(task.context()).toMatchObject({ epoch: 1, finishedEpoch: 1 })
  })

  it("runs again, without a report of the reset, when a SESSION_RUN of a later epoch finds it failed for good", () => {
    const task = taskIn("failed", { sessionId: "session-1", index: 0 })
    const effects = task.send({ type: "SESSION_RUN", epoch: 1, at })
    expect(task.state()).toBe("ready")
    expect(effects).toEqual([
      ...announced("blocked", "ready").map((e) => ({ ...e, epoch: 1 })),
      { type: "task.ready", capability: "code", priority: 2, group: null },
    ])
    // Its failed attempt stays counted: the new run's first attempt is attempt 2, with its full budget.
    expect(task.context()).toMatchObject({ attempt: 1, attemptsBefore: 1, error: null, epoch: 1 })
  })

  it("is not run again by a SESSION_RUN of the epoch it failed in, nor after it completed", () => {
    const failed = taskIn("failed", { sessionId: "session-1", index: 0, epoch: 1 })
    expect(failed.send({ type: "SESSION_RUN", epoch: 1, at })).toEqual([])
    expect(failed.state()).toBe("failed")
    const completed = taskIn("completed", { sessionId: "session-1", index: 0 })
    expect(completed.send({ type: "SESSION_RUN", epoch: 1, at })).toEqual([])
    expect(completed.state()).toBe("completed")
  })

  it("stays cancelled for good when a dependency failed after the START that reached it late (the dependency's epoch)", () => {
    const task = waiting()
    task.send({ type: "DEPENDENCY_FINISHED", taskId: A, status: "failed", epoch: 2, at })
    expect(task.context()).toMatchObject({ epoch: 2, finishedEpoch: 2 })
    expect(task.send({ type: "SESSION_RUN", epoch: 2, at })).toEqual([])
    expect(task.state()).toBe("cancelled")
  })

  it("remembers a dependency's completion while cancelled, so a later run does not wait for it again", () => {
    const task = waiting()
    task.send({ type: "CANCEL", reason: "operator", at })
    task.send({ type: "DEPENDENCY_FINISHED", taskId: A, status: "completed", epoch: 0, at })
    task.send({ type: "DEPENDENCY_FINISHED", taskId: B, status: "completed", epoch: 0, at })
    task.send({ type: "SESSION_RUN", epoch: 1, at })
    expect(task.state()).toBe("ready")
  })
})

describe("ADD_DEPENDENCIES (its session decomposed it)", () => {
  const SUB = "sub-1"
  it("sends a ready task back to blocked until the new dependencies complete", () => {
    const task = taskIn("ready", { sessionId: "session-1", index: 0 })
    expect(task.send({ type: "ADD_DEPENDENCIES", taskIds: [SUB], at })).toEqual(announced("ready", "blocked"))
    expect(task.context().dependsOn).toEqual([SUB])
    const effects = task.send({ type: "DEPENDENCY_FINISHED", taskId: SUB, status: "completed", epoch: 0, at })
    expect(effects).toEqual([...announced("blocked", "ready"), { type: "task.ready", capability: "code", priority: 2, group: null }])
  })

  it("is refused once an agent holds the task", () => {
    const task = taskIn("assigned")
    expect(task.send({ type: "ADD_DEPENDENCIES", taskIds: [SUB], at })).toEqual([
      expect.objectContaining({ type: "command.rejected", code: "conflict", command: "ADD_DEPENDENCIES" }),
    ])
    expect(task.context().dependsOn).toEqual([])
  })
})
