// A task given to an agent at its intake (the router found a free slot for its capability before its CREATE was
// appended): created assigned to that agent, with what an ASSIGN gives (deadline, the bot's assignment), never
// queued; one that cannot run at once gives the agent's slot back, as a refused ASSIGN does.
import { describe, expect, it } from "vitest"
import type { TaskInput } from "../../../../machines/task.ts"
import { AGENT, T0, TIMEOUT_MS, startTask } from "./harness.ts"

describe("a task given at its intake", () => {
  it("is created assigned to the agent: its deadline armed and the bot told, without asking to be routed", () => {
    const task = startTask({ givenTo: AGENT })
    expect(task.state()).toBe("assigned")
    expect(task.creation).toEqual([
      { type: "timer.arm", name: "deadline", fireAt: T0 + TIMEOUT_MS, event: { type: "DEADLINE", attempt: 0 } },
      { type: "task.assigned", agentId: AGENT, attempt: 1, deadline: T0 + TIMEOUT_MS },
    ])
    expect(task.context()).toMatchObject({ status: "assigned", agentId: AGENT, readyAt: T0, assignedAt: T0, deadlineAt: T0 + TIMEOUT_MS })
  })

  it("then runs as any assigned task: its agent starts and completes it, releasing the slot", () => {
    const task = startTask({ givenTo: AGENT })
    task.send({ type: "START", agentId: AGENT, at: T0 + 1_000 })
    expect(task.state()).toBe("in_progress")
    const effects = task.send({ type: "COMPLETE", agentId: AGENT, at: T0 + 2_000 })
    expect(task.state()).toBe("completed")
    expect(effects).toContainEqual({ type: "task.released", agentId: AGENT, outcome: "completed" })
  })

  it.each<[string, Partial<TaskInput>, string]>([
    ["held by its session", { blocked: true }, "blocked"],
    ["waiting for a dependency", { dependsOn: ["dep"] }, "blocked"],
    ["waiting for its approval", { requiresApproval: true }, "awaiting_approval"],
  ])("%s, gives the agent's slot back and waits as it would have", (_, overrides, state) => {
    const task = startTask({ ...overrides, givenTo: AGENT })
    expect(task.state()).toBe(state)
    expect(task.creation).toContainEqual({ type: "task.assign_refused", agentId: AGENT })
    expect(task.creation.filter((effect) => effect.type === "task.assigned")).toEqual([])
    expect(task.context().agentId).toBeNull()
  })

  it("the gift counts at creation only: a task that runs later goes ready and is routed as any other", () => {
    const task = startTask({ blocked: true, givenTo: AGENT })
    const effects = task.send({ type: "SESSION_RUN", epoch: 0, at: T0 + 1_000 })
    expect(task.state()).toBe("ready")
    expect(effects).toContainEqual({ type: "task.ready", capability: "code", priority: 2, group: null })
  })
})
