// Refusals: every event a state does not accept is answered with command.rejected (conflict), wrong agents with forbidden.
import { describe, expect, it } from "vitest"
import type { TaskEvent } from "../../../../machines/task.ts"
import { AGENT, OTHER_AGENT, T0, taskIn } from "./harness.ts"
import { TASK_STATUSES, type TaskStatus } from "../../../../machines/task-statuses.ts"

const at = T0 + 50_000

/** One of each user-facing event, from the agent that holds the task in the routes. */
const EVENTS: TaskEvent[] = [
  { type: "CLAIM", agentId: AGENT, at },
  { type: "START", agentId: AGENT, at },
  { type: "PROGRESS", agentId: AGENT, progress: 0.5, at },
  { type: "COMPLETE", agentId: AGENT, at },
  { type: "FAIL", agentId: AGENT, at },
  { type: "AGENT_LOST", agentId: AGENT, at },
  { type: "CANCEL", reason: "operator", at },
  { type: "RETRY", at },
  { type: "APPROVE", at },
  { type: "REJECT", reason: "no", at },
]

/** docs/machines.md: the events each state accepts (ASSIGN, the timer events and the session's and dependencies' commands, accepted everywhere, have their own tests). */
const ACCEPTS: Record<TaskStatus, TaskEvent["type"][]> = {
  blocked: ["CANCEL"],
  awaiting_approval: ["APPROVE", "REJECT", "CANCEL"],
  // AGENT_LOST from an agent whose ASSIGN is on its way: taken-back.test.ts.
  ready: ["AGENT_LOST", "CANCEL"],
  assigned: ["CLAIM", "START", "AGENT_LOST", "CANCEL"],
  in_progress: ["PROGRESS", "COMPLETE", "FAIL", "AGENT_LOST", "CANCEL"],
  retry_wait: ["CANCEL"],
  completed: [],
  failed: ["RETRY"],
  cancelled: ["RETRY"],
  timed_out: ["RETRY"],
}

/** A task in `status` answers `event` with command.rejected (`code`, `reason`) and changes nothing. */
const expectRefused = (status: TaskStatus, event: TaskEvent, code: string, reason: string): void => {
  const task = taskIn(status)
  const before = task.context()
  expect(task.send(event)).toEqual([{ type: "command.rejected", command: event.type, state: status, code, reason }])
  expect(task.state()).toBe(status)
  expect(task.context()).toEqual(before)
}

describe("task refusals", () => {
  for (const status of TASK_STATUSES) {
    for (const event of EVENTS.filter((e) => !ACCEPTS[status].includes(e.type))) {
      it(`${event.type} in ${status} is rejected as a conflict and changes nothing`, () => {
        expectRefused(status, event, "conflict", `${event.type} is not accepted while the task is ${status}`)
      })
    }
  }

  const wrongAgent: [TaskStatus, TaskEvent][] = [
    ["assigned", { type: "CLAIM", agentId: OTHER_AGENT, at }],
    ["assigned", { type: "START", agentId: OTHER_AGENT, at }],
    ["in_progress", { type: "PROGRESS", agentId: OTHER_AGENT, progress: 0.5, at }],
    ["in_progress", { type: "COMPLETE", agentId: OTHER_AGENT, result: "stolen", at }],
    ["in_progress", { type: "FAIL", agentId: OTHER_AGENT, at }],
  ]
  for (const [status, event] of wrongAgent) {
    it(`${event.type} in ${status} by another agent is forbidden and changes nothing`, () => {
      expectRefused(status, event, "forbidden", "the task is assigned to another agent")
    })
  }

  for (const status of ["assigned", "in_progress"] as const) {
    it(`AGENT_LOST for an agent that does not hold the task in ${status} is a conflict`, () => {
      const task = taskIn(status)
      expect(task.send({ type: "AGENT_LOST", agentId: OTHER_AGENT, at })).toEqual([
        expect.objectContaining({ type: "command.rejected", command: "AGENT_LOST", code: "conflict" }),
      ])
      expect(task.state()).toBe(status)
      expect(task.context().agentId).toBe(AGENT)
    })
  }

  it("a wrong agent's command in a state that does not accept it is a conflict, not forbidden", () => {
    const task = taskIn("in_progress")
    expect(task.send({ type: "CLAIM", agentId: OTHER_AGENT, at })).toEqual([
      expect.objectContaining({ type: "command.rejected", command: "CLAIM", state: "in_progress", code: "conflict" }),
    ])
  })
})
