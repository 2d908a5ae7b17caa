// A run taken back from its agent (heartbeat loss, deregistration, drain, a cancellation) is over, started or
// not: the next run (after a RETRY too) is a new attempt, so a late report naming the old one is refused
// `conflict` even when the same agent gets the task again (PROTOCOL v1.1). Driven with XState's pure `initialTransition` / `transition`.
import { describe, expect, it } from "vitest"
import { initialTransition, transition, type SnapshotFrom } from "xstate"
import { taskMachine, type TaskEmitted, type TaskEvent } from "../../../../machines/task.ts"
import { AGENT, OTHER_AGENT, T0, taskInput } from "./harness.ts"

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
    const [started] = step(again, { type: "START", agentId: AGENT, attempt: 2, at: T0 + 4_000 })
    const [failed] = step(started, { type: "FAIL", agentId: AGENT, attempt: 2, error: "boom", at: T0 + 5_000 })
    expect(failed.value).toBe("failed")
    expect(failed.context.attempt).toBe(2)
  })
})

describe("an agent that left work before the ASSIGN decided for it came (lost or draining)", () => {
  const LEAVINGS: ReadonlyArray<[string, TaskEvent]> = [
    ["loss", { type: "AGENT_LOST", agentId: AGENT, reason: "heartbeat_expired", at: T0 + 1_000 }],
    ["drain", { type: "AGENT_DRAINING", agentId: AGENT, at: T0 + 1_000 }],
  ]
  for (const [how, leaving] of LEAVINGS) {
    it(`(${how}) refuses that ASSIGN when it comes and routes the task again; the next agent's ASSIGN runs attempt 1`, () => {
      const [ready0] = initialTransition(taskMachine, taskInput())
      const [waiting, nothing] = step(ready0, leaving)
      expect(waiting.value).toBe("ready")
      expect(nothing).toEqual([])
      expect(waiting.context.refuseAssignFrom).toBe(AGENT)

      const [refused, effects] = step(waiting, { type: "ASSIGN", agentId: AGENT, at: T0 + 2_000 })
      expect(refused.value).toBe("ready")
      expect(effects).toEqual([
        { type: "task.assign_refused", agentId: AGENT },
        { type: "task.ready", capability: "code", priority: 2, group: null },
      ])
      expect(refused.context).toMatchObject({ agentId: null, attempt: 0, refuseAssignFrom: null, takenFrom: [] })

      const [held, pushed] = step(refused, { type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 3_000 })
      expect(held.value).toBe("assigned")
      expect(pushed).toContainEqual(expect.objectContaining({ type: "task.assigned", agentId: OTHER_AGENT, attempt: 1 }))
    })
  }

  it("forgets it at another agent's ASSIGN: a late ASSIGN of the agent that left meets a held task, refused as before", () => {
    const [ready0] = initialTransition(taskMachine, taskInput())
    const [waiting] = step(ready0, { type: "AGENT_LOST", agentId: AGENT, at: T0 + 1_000 })
    const [held] = step(waiting, { type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 2_000 })
    expect(held.context).toMatchObject({ agentId: OTHER_AGENT, refuseAssignFrom: null })
    const [same, refused] = step(held, { type: "ASSIGN", agentId: AGENT, at: T0 + 3_000 })
    expect(refused).toEqual([{ type: "task.assign_refused", agentId: AGENT }])
    expect(same.context).toEqual(held.context)
  })
})

/** A report without `attempt` from the agent holding the task, after `takeAway` (which may have been followed by more). */
const REPORTS = (attempt?: number): ReadonlyArray<TaskEvent> => {
  const named = attempt === undefined ? {} : { attempt }
  return [
    { type: "CLAIM", agentId: AGENT, ...named, at: T0 + 6_000 },
    { type: "START", agentId: AGENT, ...named, at: T0 + 6_000 },
  ]
}
const RUNNING_REPORTS = (attempt?: number): ReadonlyArray<TaskEvent> => {
  const named = attempt === undefined ? {} : { attempt }
  return [
    { type: "PROGRESS", agentId: AGENT, ...named, progress: 0.5, at: T0 + 7_000 },
    { type: "COMPLETE", agentId: AGENT, ...named, result: "late?", at: T0 + 7_000 },
    { type: "FAIL", agentId: AGENT, ...named, error: "late?", at: T0 + 7_000 },
  ]
}
const UNNAMED = (command: string, state: string, attempt: number) => ({
  type: "command.rejected",
  command,
  state,
  code: "conflict",
  reason: `name the attempt: an earlier attempt of this task was taken from this agent (the task runs attempt ${attempt})`,
})

/** Started by AGENT (attempt 1, named), then each way of taking it away; each leaves a task AGENT can be given again. */
const TAKE_AWAYS: ReadonlyArray<[string, (started: TaskSnapshot) => TaskSnapshot]> = [
  ["heartbeat loss", (s) => step(s, { type: "AGENT_LOST", agentId: AGENT, reason: "heartbeat_expired", at: T0 + 3_000 })[0]],
  ["deregistration", (s) => step(s, { type: "AGENT_LOST", agentId: AGENT, reason: "deregistered", at: T0 + 3_000 })[0]],
  [
    "timeout, then its retry",
    (s) => {
      const [waiting] = step(s, { type: "DEADLINE", attempt: 1, at: T0 + 2_000 + 300_000 })
      expect(waiting.value).toBe("retry_wait")
      return step(waiting, { type: "RETRY_DUE", attempt: 1, at: T0 + 2_000 + 400_000 })[0]
    },
  ],
  [
    "cancel, then RETRY",
    (s) => {
      const [cancelled] = step(s, { type: "CANCEL", reason: "stop", at: T0 + 3_000 })
      return step(cancelled, { type: "RETRY", at: T0 + 4_000 })[0]
    },
  ],
]

describe("a report naming no attempt (PROTOCOL: `attempt` is optional)", () => {
  it("is accepted from an agent no attempt of the task was taken from, even on a later attempt after its own failure", () => {
    const [ready] = initialTransition(taskMachine, taskInput())
    const [held] = step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
    const [running, none] = step(held, { type: "START", agentId: AGENT, at: T0 + 2_000 })
    expect(none).not.toContainEqual(expect.objectContaining({ type: "command.rejected" }))
    const [waiting] = step(running, { type: "FAIL", agentId: AGENT, error: "flaky", at: T0 + 3_000 })
    expect(waiting.value).toBe("retry_wait")
    // Its own FAIL ended attempt 1: nothing was taken from it, so an unnamed report is about the attempt it holds.
    const [again] = step(step(waiting, { type: "RETRY_DUE", attempt: 1, at: T0 + 10_000 })[0], {
      type: "ASSIGN",
      agentId: AGENT,
      at: T0 + 11_000,
    })
    const [started] = step(again, { type: "START", agentId: AGENT, at: T0 + 12_000 })
    const [completed] = step(started, { type: "COMPLETE", agentId: AGENT, result: "ok", at: T0 + 13_000 })
    expect(completed.value).toBe("completed")
    expect(completed.context).toMatchObject({ attempt: 2, takenFrom: [] })
  })

  it("from another agent than the one an attempt was taken from is accepted", () => {
    const [ready] = initialTransition(taskMachine, taskInput())
    const [held] = step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
    const [back] = step(held, { type: "AGENT_LOST", agentId: AGENT, at: T0 + 2_000 })
    expect(back.context.takenFrom).toEqual([AGENT])
    const [other] = step(back, { type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 3_000 })
    const [started] = step(other, { type: "START", agentId: OTHER_AGENT, at: T0 + 4_000 })
    const [completed] = step(started, { type: "COMPLETE", agentId: OTHER_AGENT, at: T0 + 5_000 })
    expect(completed.value).toBe("completed")
  })

  for (const [how, takeAway] of TAKE_AWAYS) {
    it(`(${how}) is refused \`conflict\` from the same agent given the task again, and applies nothing; naming the attempt works`, () => {
      const [ready0] = initialTransition(taskMachine, taskInput())
      const [held] = step(ready0, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
      const [started1] = step(held, { type: "START", agentId: AGENT, attempt: 1, at: T0 + 2_000 })
      const ready = takeAway(started1)
      expect(ready.value).toBe("ready")
      expect(ready.context.takenFrom).toEqual([AGENT])

      const [again, pushed] = step(ready, { type: "ASSIGN", agentId: AGENT, at: T0 + 5_000 })
      expect(pushed).toContainEqual(expect.objectContaining({ type: "task.assigned", attempt: 2 }))
      for (const report of REPORTS()) {
        const [unchanged, refused] = step(again, report)
        expect(refused).toEqual([UNNAMED(report.type, "assigned", 2)])
        expect(unchanged.context).toEqual(again.context)
      }
      const [started2] = step(again, { type: "START", agentId: AGENT, attempt: 2, at: T0 + 6_000 })
      expect(started2.value).toBe("in_progress")
      // A late task_progress / task_complete of attempt 1 without its number never counts for attempt 2.
      for (const report of RUNNING_REPORTS()) {
        const [unchanged, refused] = step(started2, report)
        expect(refused).toEqual([UNNAMED(report.type, "in_progress", 2)])
        expect(unchanged.value).toBe("in_progress")
        expect(unchanged.context).toEqual(started2.context)
      }
      for (const report of RUNNING_REPORTS(1)) {
        expect(step(started2, report)[1]).toEqual([
          expect.objectContaining({ code: "conflict", reason: "attempt 1 is over: the task runs attempt 2" }),
        ])
      }
      const [completed] = step(started2, { type: "COMPLETE", agentId: AGENT, attempt: 2, result: "new", at: T0 + 8_000 })
      expect(completed.value).toBe("completed")
      expect(completed.context).toMatchObject({ attempt: 2, result: "new" })
    })
  }

  it("stays required across a RETRY of the task (attempt numbers go on), and the stored context keeps who it was taken from", () => {
    const [ready0] = initialTransition(taskMachine, taskInput({ maxAttempts: 1 }))
    const [held] = step(ready0, { type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
    const [timedOut] = step(held, { type: "DEADLINE", attempt: 0, at: T0 + 1_000 + 300_000 })
    expect(timedOut.value).toBe("timed_out")
    const [retried] = step(timedOut, { type: "RETRY", at: T0 + 400_000 })
    const stored = JSON.parse(JSON.stringify(taskMachine.getPersistedSnapshot(retried))) as { context: { takenFrom: string[] } }
    expect(stored.context.takenFrom).toEqual([AGENT])
    const [again] = step(retried, { type: "ASSIGN", agentId: AGENT, at: T0 + 401_000 })
    expect(step(again, { type: "START", agentId: AGENT, at: T0 + 402_000 })[1]).toEqual([UNNAMED("START", "assigned", 2)])
  })
})
