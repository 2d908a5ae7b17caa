// A run taken back from its agent (heartbeat loss, deregistration, drain, a cancellation) is over, started or
// not: the next run (after a RETRY too) is a new attempt, so a late report naming the old one is refused
// `conflict` even when the same agent gets the task again (PROTOCOL v1.1). Driven with XState's pure `initialTransition` / `transition`.
import { describe, expect, it } from "vitest"
import { initialTransition, transition, type SnapshotFrom } from "xstate"
import { taskMachine, type TaskEmitted, type TaskEvent } from "../../../../machines/task.ts"
import { AGENT, T0, taskInput } from "./harness.ts"

type TaskSnapshot = SnapshotFrom<typeof taskMachine>

/** One pure step: the next snapshot and what it emitted. */
const step = (snapshot: TaskSnapshot, event: TaskEvent): [TaskSnapshot, TaskEmitted[]] => {
  const [next, actions] = transition(taskMachine, snapshot, event)
  // Emits are executed as XState's built-in `xstate.emit` action, which the machine's action names do not list.
  const emitted = (actions as ReadonlyArray<{ readonly type: string; readonly params?: unknown }>)
    .filter((action) => action.type === "xstate.emit")
    .map((action) => (action.params as { event: TaskEmitted }).event)
  return [next, emitted]
}

/** A ready task assigned to AGENT (attempt 1 not started). */
const assigned = (): TaskSnapshot => {
  const [ready] = initialTransition(taskMachine, taskInput())
  return step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })[0]
}

const TAKE_BACKS: ReadonlyArray<[string, TaskEvent, string]> = [
  ["heartbeat loss", { type: "AGENT_LOST", agentId: AGENT, reason: "heartbeat_expired", at: T0 + 2_000 }, "heartbeat_expired"],
  ["deregistration", { type: "AGENT_LOST", agentId: AGENT, reason: "deregistered", at: T0 + 2_000 }, "deregistered"],
  ["drain", { type: "AGENT_DRAINING", agentId: AGENT, at: T0 + 2_000 }, "agent_draining"],
]

describe("a task taken back before its bot started it", () => {
  for (const [how, takeBack, reason] of TAKE_BACKS) {
    it(`(${how}) runs a new attempt when the same agent gets it again, and the old attempt's late report is a conflict`, () => {
      const [ready, told] = step(assigned(), takeBack)
      expect(ready.value).toBe("ready")
      expect(told).toContainEqual({ type: "task.cancelled", agentId: AGENT, attempt: 1, reason })
      expect(ready.context.attempt).toBe(1)

      const [again, pushed] = step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 3_000 })
      expect(pushed).toContainEqual({ type: "task.assigned", agentId: AGENT, attempt: 2, deadline: T0 + 3_000 + 300_000 })

      for (const late of [
        { type: "START", agentId: AGENT, attempt: 1, at: T0 + 4_000 },
        { type: "CLAIM", agentId: AGENT, attempt: 1, at: T0 + 4_000 },
      ] as const) {
        const [unchanged, refused] = step(again, late)
        expect(refused).toEqual([
          {
            type: "command.rejected",
            command: late.type,
            state: "assigned",
            code: "conflict",
            reason: "attempt 1 is over: the task runs attempt 2",
          },
        ])
        expect(unchanged.value).toBe("assigned")
        expect(unchanged.context).toEqual(again.context)
      }

      const [started] = step(again, { type: "START", agentId: AGENT, attempt: 2, at: T0 + 4_000 })
      const [running, refused] = step(started, { type: "COMPLETE", agentId: AGENT, attempt: 1, result: "old", at: T0 + 5_000 })
      expect(refused).toContainEqual(expect.objectContaining({ code: "conflict", reason: "attempt 1 is over: the task runs attempt 2" }))
      expect(running.value).toBe("in_progress")
      const [completed] = step(running, { type: "COMPLETE", agentId: AGENT, attempt: 2, result: "new", at: T0 + 5_000 })
      expect(completed.value).toBe("completed")
      expect(completed.context).toMatchObject({ attempt: 2, result: "new" })
    })
  }

  it("(cancelled, then retried) runs a new attempt when the same agent gets it again", () => {
    const [cancelled, told] = step(assigned(), { type: "CANCEL", reason: "not now", at: T0 + 2_000 })
    expect(told).toContainEqual({ type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "not now" })
    const [retried] = step(cancelled, { type: "RETRY", at: T0 + 3_000 })
    expect(retried.value).toBe("ready")
    const [again, pushed] = step(retried, { type: "ASSIGN", agentId: AGENT, at: T0 + 4_000 })
    expect(pushed).toContainEqual(expect.objectContaining({ type: "task.assigned", attempt: 2 }))
    const [unchanged, refused] = step(again, { type: "START", agentId: AGENT, attempt: 1, at: T0 + 5_000 })
    expect(refused).toEqual([expect.objectContaining({ code: "conflict", reason: "attempt 1 is over: the task runs attempt 2" })])
    expect(unchanged.context).toEqual(again.context)
  })

  it("a run taken back counts as an attempt: with max_attempts 2, the next run's failure fails the task for good", () => {
    const [ready0] = initialTransition(taskMachine, taskInput({ maxAttempts: 2 }))
    const [held] = step(ready0, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
    const [ready] = step(held, { type: "AGENT_LOST", agentId: AGENT, at: T0 + 2_000 })
    const [again] = step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 3_000 })
    const [started] = step(again, { type: "START", agentId: AGENT, at: T0 + 4_000 })
    const [failed] = step(started, { type: "FAIL", agentId: AGENT, error: "boom", at: T0 + 5_000 })
    expect(failed.value).toBe("failed")
    expect(failed.context.attempt).toBe(2)
  })
})
