// The task binding: which task effects become routing requests, bot pushes and commands to
// agents and sessions; topics and query columns.
import { describe, expect, it } from "vitest"
import { taskKind } from "../../../actors/task.ts"

const task = {
  id: "t1",
  sessionId: "s1",
  index: 3,
  capability: "lint",
  title: "Lint",
  payload: { repo: "x" },
  agentId: "a1",
  priority: 1,
  readyAt: 1_000,
  dependants: ["t2", "t3"],
}
const out = (effect: Record<string, unknown>, context: object = task) => taskKind.outputs(effect as never, { id: "t1", context })

describe("task binding", () => {
  it("queues a ready task by its capability, priority and the time it became ready", () => {
    expect(out({ type: "task.ready", capability: "lint", priority: 1 })).toEqual([
      { _tag: "route_task", taskId: "t1", capability: "lint", priority: 1, since: 1_000 },
    ])
  })

  it("pushes task_assigned to the bot with PROTOCOL's payload", () => {
    expect(out({ type: "task.assigned", agentId: "a1", attempt: 1, deadline: Date.UTC(2026, 10, 21, 10) })).toEqual([
      {
        _tag: "push",
        agentId: "a1",
        frame: {
          type: "task_assigned",
          payload: {
            task_id: "t1",
            session_id: "s1",
            capability: "lint",
            title: "Lint",
            payload: { repo: "x" },
            attempt: 1,
            deadline: "2026-11-21T10:00:00.000Z",
          },
        },
      },
    ])
  })

  it("gives the agent its capacity back on release and on a refused assignment (a release: RELEASE with its next task, once routed)", () => {
    expect(out({ type: "task.released", agentId: "a1", outcome: "completed" })).toEqual([
      { _tag: "release", agentId: "a1", taskId: "t1", outcome: "completed" },
    ])
    expect(out({ type: "task.assign_refused", agentId: "a2" })).toEqual([
      { _tag: "release", agentId: "a2", taskId: "t1", outcome: "cancelled" },
    ])
  })

  it("tells the bot a task was cancelled only when a bot holds it", () => {
    expect(out({ type: "task.cancelled", agentId: "a1", attempt: 2, reason: "session stopped" })).toEqual([
      { _tag: "push", agentId: "a1", frame: { type: "task_cancelled", payload: { task_id: "t1", attempt: 2, reason: "session stopped" } } },
    ])
    expect(out({ type: "task.cancelled", reason: "session stopped" })).toEqual([])
  })

  it("reports status changes to its session with its place (not its id: the session derives it) and epoch; a standalone task reports to nobody", () => {
    expect(out({ type: "task.status", from: "assigned", status: "in_progress", epoch: 2 })).toEqual([
      {
        _tag: "send",
        to: { kind: "session", id: "s1" },
        type: "TASK_STATUS",
        payload: { index: 3, from: "assigned", status: "in_progress", epoch: 2 },
      },
    ])
    expect(out({ type: "task.status", from: "ready", status: "assigned", epoch: 0 }, { ...task, sessionId: null })).toEqual([])
  })

  it("reports awaiting_approval to its session as blocked (its counts know no approvals), and blocked to it as nothing", () => {
    expect(out({ type: "task.status", from: "blocked", status: "awaiting_approval", epoch: 0 })).toEqual([])
    expect(out({ type: "task.status", from: "awaiting_approval", status: "cancelled", epoch: 1 })).toEqual([
      {
        _tag: "send",
        to: { kind: "session", id: "s1" },
        type: "TASK_STATUS",
        payload: { index: 3, from: "blocked", status: "cancelled", epoch: 1 },
      },
    ])
  })

  it("tells each dependant how it finished", () => {
    expect(out({ type: "task.finished", status: "failed", epoch: 1 })).toEqual(
      ["t2", "t3"].map((id) => ({
        _tag: "send",
        to: { kind: "task", id },
        type: "DEPENDENCY_FINISHED",
        payload: { taskId: "t1", status: "failed", epoch: 1 },
      })),
    )
    expect(out({ type: "task.finished", status: "completed", epoch: 0 }, { ...task, dependants: [] })).toEqual([])
  })

  it("publishes on tasks, its own topic and its session's, with its query columns", () => {
    expect(taskKind.topics("t1", task)).toEqual(["tasks", "task:t1", "session:s1"])
    expect(taskKind.columns(task, "assigned")).toEqual({
      sessionId: "s1",
      capability: "lint",
      agentId: "a1",
      priority: 1,
      group: null,
      index: 3,
    })
    expect(taskKind.columns({ ...task, group: "tenant-a" }, "ready")).toMatchObject({ group: "tenant-a" })
  })
})
