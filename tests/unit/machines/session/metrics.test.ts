// Metrics: task counts by status, session start/finish/duration; each task times its own run.
import { describe, expect, it } from "vitest"
import type { TaskStatus } from "../../../../machines/task-statuses.ts"
import { T0, startSession, task } from "./harness.ts"

describe("session metrics", () => {
  it("count tasks by status as reports arrive", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"]), task("c")] })
    session.send({ type: "START", at: session.now() })
    session.report("a", "assigned", "in_progress")
    session.report("c", "assigned")
    expect(session.context().metrics.tasks).toEqual({
      blocked: 1,
      ready: 0,
      assigned: 1,
      in_progress: 1,
      retry_wait: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      timed_out: 0,
    })
  })

  it("record when the session started and finished, and how long it took", () => {
    const session = startSession({ tasks: [task("a")] })
    session.send({ type: "START", at: T0 + 10_000 })
    session.report("a", "assigned", "in_progress", "completed") // one second per step
    expect(session.context().metrics).toMatchObject({ startedAt: T0 + 10_000, finishedAt: T0 + 13_000, durationMs: 3_000 })
  })

  it("leave each task's run time to the task: from its first start to its finish, across retried attempts", () => {
    const session = startSession({ tasks: [task("a"), task("b")] })
    session.send({ type: "START", at: T0 + 1_000 })
    const statuses: TaskStatus[] = ["assigned", "in_progress", "retry_wait", "ready", "assigned", "in_progress", "completed"]
    session.report("a", ...statuses)
    const a = session.taskContext("a")
    // One second per step: the first start (step 2) to the finish (step 7).
    expect((a.finishedAt ?? 0) - (a.firstStartedAt ?? 0)).toBe(5_000)
    expect(session.context().metrics).not.toHaveProperty("taskDurationsMs")
  })

  it("keep the first start across a retry and time the whole session", () => {
    const session = startSession({ tasks: [task("a")] })
    session.send({ type: "START", at: T0 + 1_000 })
    session.send({ type: "FAIL", reason: "x", at: T0 + 2_000 })
    expect(session.context().metrics).toMatchObject({ finishedAt: T0 + 2_000, durationMs: 1_000 })
    session.send({ type: "RETRY", at: T0 + 3_000 })
    session.send({ type: "START", at: T0 + 4_000 })
    session.send({ type: "STOP", at: T0 + 9_000 })
    expect(session.context().metrics).toMatchObject({ startedAt: T0 + 1_000, finishedAt: T0 + 9_000, durationMs: 8_000 })
  })

  it("leave the duration unset for a session that never started", () => {
    const session = startSession()
    session.send({ type: "CANCEL", at: T0 + 5_000 })
    expect(session.context().metrics).toMatchObject({ finishedAt: T0 + 5_000, durationMs: undefined })
  })
})
