// ASSIGN, CLAIM, START and AGENT_LOST: who holds the task, and the effects that route, push and free capacity.
import { describe, expect, it } from "vitest"
import { AGENT, OTHER_AGENT, T0, TIMEOUT_MS, announced, taskIn } from "./harness.ts"
import { TASK_STATUSES } from "../../../../machines/task-statuses.ts"

describe("task assignment", () => {
  it("ASSIGN moves ready to assigned, arms the deadline and pushes the assignment", () => {
    const task = taskIn("ready")
    const at = T0 + 1_000
    const effects = task.send({ type: "ASSIGN", agentId: AGENT, at })
    expect(task.state()).toBe("assigned")
    expect(effects).toEqual([
      { type: "timer.arm", name: "deadline", fireAt: at + TIMEOUT_MS, event: { type: "DEADLINE", attempt: 0 } },
      { type: "task.assigned", agentId: AGENT, attempt: 1, deadline: at + TIMEOUT_MS },
      ...announced("ready", "assigned"),
    ])
    expect(task.context()).toMatchObject({
      agentId: AGENT,
      assignedAt: at,
      deadlineAt: at + TIMEOUT_MS,
      attempt: 0,
      updatedAt: at,
    })
  })

  it("computes the deadline from the task's own timeout", () => {
    const task = taskIn("ready", { timeoutS: 5 })
    const effects = task.send({ type: "ASSIGN", agentId: AGENT, at: T0 + 1_000 })
    expect(effects[0]).toMatchObject({ type: "timer.arm", fireAt: T0 + 6_000 })
  })

  for (const status of TASK_STATUSES.filter((s) => s !== "ready")) {
    it(`ASSIGN in ${status} is refused with task.assign_refused and changes nothing`, () => {
      const task = taskIn(status)
      const before = task.context()
      const effects = task.send({ type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 60_000 })
      expect(effects).toEqual([{ type: "task.assign_refused", agentId: OTHER_AGENT }])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }

  for (const status of ["assigned", "in_progress"] as const) {
    it(`a repeated ASSIGN from the agent that holds the task in ${status} changes nothing and frees nothing`, () => {
      const task = taskIn(status)
      const before = task.context()
      const effects = task.send({ type: "ASSIGN", agentId: AGENT, at: T0 + 60_000 })
      expect(effects).toEqual([])
      expect(task.state()).toBe(status)
      expect(task.context()).toEqual(before)
    })
  }

  it("CLAIM by the assigned agent records claimedAt and stays assigned without effects", () => {
    const task = taskIn("assigned")
    const effects = task.send({ type: "CLAIM", agentId: AGENT, at: T0 + 1_500 })
    expect(effects).toEqual([])
    expect(task.state()).toBe("assigned")
    expect(task.context()).toMatchObject({ claimedAt: T0 + 1_500, updatedAt: T0 + 1_500 })
  })

  it("START by the assigned agent begins attempt 1 and re-arms the deadline for it", () => {
    const task = taskIn("assigned")
    const at = T0 + 2_000
    const effects = task.send({ type: "START", agentId: AGENT, at })
    expect(task.state()).toBe("in_progress")
    expect(effects).toEqual([
      { type: "timer.arm", name: "deadline", fireAt: at + TIMEOUT_MS, event: { type: "DEADLINE", attempt: 1 } },
      ...announced("assigned", "in_progress"),
    ])
    expect(task.context()).toMatchObject({ attempt: 1, startedAt: at, deadlineAt: at + TIMEOUT_MS, progress: 0 })
  })

  it("START works without a CLAIM first", () => {
    const task = taskIn("assigned")
    task.send({ type: "START", agentId: AGENT, at: T0 + 2_000 })
    expect(task.context().claimedAt).toBeNull()
    expect(task.state()).toBe("in_progress")
  })

  for (const status of ["assigned", "in_progress"] as const) {
    it(`AGENT_LOST for the holding agent in ${status} tells the bot, clears the deadline, frees the agent, spends attempt 1 and routes again`, () => {
      const task = taskIn(status, { priority: 3 })
      const effects = task.send({ type: "AGENT_LOST", agentId: AGENT, at: T0 + 10_000 })
      expect(task.state()).toBe("ready")
      expect(effects).toEqual([
        { type: "task.cancelled", agentId: AGENT, attempt: 1, reason: "heartbeat_expired" },
        { type: "timer.clear", name: "deadline" },
        { type: "task.released", agentId: AGENT, outcome: "lost" },
        ...announced(status, "ready"),
        { type: "task.ready", capability: "code", priority: 3, group: null },
      ])
      expect(task.context()).toMatchObject({ agentId: null, readyAt: T0 + 10_000, attempt: 1 })
    })
  }

  it("a task re-assigned after its agent was lost mid-run tells the new agent it runs attempt 2", () => {
    const task = taskIn("in_progress")
    task.send({ type: "AGENT_LOST", agentId: AGENT, at: T0 + 10_000 })
    const effects = task.send({ type: "ASSIGN", agentId: OTHER_AGENT, at: T0 + 11_000 })
    expect(effects).toContainEqual({
      type: "task.assigned",
      agentId: OTHER_AGENT,
      attempt: 2,
      deadline: T0 + 11_000 + TIMEOUT_MS,
    })
    expect(effects).toContainEqual({
      type: "timer.arm",
      name: "deadline",
      fireAt: T0 + 11_000 + TIMEOUT_MS,
      event: { type: "DEADLINE", attempt: 1 },
    })
  })
})
