// Approvals: a task created with requiresApproval waits in awaiting_approval once its dependencies are met (never
// before); APPROVE makes it ready (or blocked while its session holds it), REJECT and its durable timer cancel it,
// telling its dependants; an approval is asked once per task, again only after a rejection.
import { describe, expect, it } from "vitest"
import { AGENT, T0, announced, startTask, taskIn } from "./harness.ts"

const at = T0 + 5_000

describe("task approvals", () => {
  it("waits for its dependencies first, then for its approval, arming the approval timer from that moment", () => {
    const task = startTask({ dependsOn: ["dep"], requiresApproval: true, approvalTimeoutS: 60 })
    expect(task.state()).toBe("blocked")
    const effects = task.send({ type: "DEPENDENCY_FINISHED", taskId: "dep", status: "completed", epoch: 0, at })
    expect(task.state()).toBe("awaiting_approval")
    expect(effects).toEqual([
      ...announced("blocked", "awaiting_approval"),
      { type: "timer.arm", name: "approval", fireAt: at + 60_000, event: { type: "APPROVAL_TIMEOUT" } },
    ])
    expect(task.context()).toMatchObject({ approvalDeadlineAt: at + 60_000, approvedAt: null })
  })

  it("without a timeout waits as long as it takes, with no timer", () => {
    const task = taskIn("awaiting_approval")
    expect(task.creation.filter((effect) => effect.type === "timer.arm")).toEqual([])
    expect(task.context().approvalDeadlineAt).toBeNull()
  })

  it("APPROVE makes it ready and asks to be routed, clearing the timer", () => {
    const task = taskIn("awaiting_approval", { approvalTimeoutS: 60 })
    const effects = task.send({ type: "APPROVE", at })
    expect(task.state()).toBe("ready")
    expect(effects).toEqual([
      { type: "timer.clear", name: "approval" },
      ...announced("awaiting_approval", "ready"),
      { type: "task.ready", capability: "code", priority: 2, group: null },
    ])
    expect(task.context()).toMatchObject({ approvedAt: at, approvalDeadlineAt: null, readyAt: at })
  })

  it("APPROVE while its session holds it leaves it blocked until the session runs it", () => {
    const task = taskIn("awaiting_approval")
    task.send({ type: "SESSION_HOLD", at })
    task.send({ type: "APPROVE", at: at + 1 })
    expect(task.state()).toBe("blocked")
    task.send({ type: "SESSION_RUN", epoch: 0, at: at + 2 })
    expect(task.state()).toBe("ready")
  })

  it("REJECT cancels it with the reason and tells its dependants", () => {
    const task = taskIn("awaiting_approval", { approvalTimeoutS: 60, dependants: ["next"] })
    const effects = task.send({ type: "REJECT", reason: "too risky", at })
    expect(task.state()).toBe("cancelled")
    expect(effects).toEqual([{ type: "timer.clear", name: "approval" }, ...announced("awaiting_approval", "cancelled")])
    expect(task.context()).toMatchObject({ cancelReason: "too risky", finishedAt: at })
  })

  it("its approval timer rejects it by itself; a timer of an earlier wait is ignored", () => {
    const task = taskIn("awaiting_approval", { approvalTimeoutS: 60 })
    const due = task.context().approvalDeadlineAt ?? Number.NaN
    expect(task.send({ type: "APPROVAL_TIMEOUT", at: due - 1 })).toEqual([])
    expect(task.state()).toBe("awaiting_approval")
    task.send({ type: "APPROVAL_TIMEOUT", at: due })
    expect(task.state()).toBe("cancelled")
    expect(task.context().cancelReason).toBe("approval timed out")
  })

  it("a CANCEL while waiting clears the approval timer", () => {
    const task = taskIn("awaiting_approval", { approvalTimeoutS: 60 })
    const effects = task.send({ type: "CANCEL", reason: "operator", at })
    expect(task.state()).toBe("cancelled")
    expect(effects[0]).toEqual({ type: "timer.clear", name: "approval" })
  })

  it("is not asked again when an approved task runs again, and asked again after a rejection", () => {
    const approved = taskIn("awaiting_approval", { maxAttempts: 1 })
    approved.send({ type: "APPROVE", at })
    approved.send({ type: "ASSIGN", agentId: AGENT, at: at + 1 })
    approved.send({ type: "START", agentId: AGENT, at: at + 2 })
    approved.send({ type: "FAIL", agentId: AGENT, at: at + 3 })
    expect(approved.state()).toBe("failed")
    approved.send({ type: "RETRY", at: at + 4 })
    expect(approved.state()).toBe("ready")

    const rejected = taskIn("awaiting_approval")
    rejected.send({ type: "REJECT", reason: "no", at })
    rejected.send({ type: "RETRY", at: at + 1 })
    expect(rejected.state()).toBe("awaiting_approval")
  })

  it("APPROVE and REJECT outside awaiting_approval are refused as conflicts", () => {
    const task = taskIn("ready")
    expect(task.send({ type: "APPROVE", at })).toEqual([
      {
        type: "command.rejected",
        command: "APPROVE",
        state: "ready",
        code: "conflict",
        reason: "APPROVE is not accepted while the task is ready",
      },
    ])
  })
})
