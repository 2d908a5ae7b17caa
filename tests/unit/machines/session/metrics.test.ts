// Metrics: task counts by status, session start/finish/duration and per-task durations.
import { describe, expect, it } from "vitest"
import { T0, startSession, task } from "./harness.ts"

describe("session metrics", () => {
  it("count tasks by status as reports arrive", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"]), task("c")] })
    session.send({ type: "START", at: session.now() })
    session.report("a", "assigned", "in_progress")
    session.report("c", "assigned")
    expect(session.context().metrics.tasks).toEqual({
      not_created: 0,
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
    session.send({ type: "TASK_STATUS", taskId: "a", status: "assigned", at: T0 + 11_000 })
    session.send({ type: "TASK_STATUS", taskId: "a", status: "in_progress", at: T0 + 12_000 })
    session.send({ type: "TASK_STATUS", taskId: "a", status: "completed", at: T0 + 70_000 })
    expect(session.context().metrics).toMatchObject({ startedAt: T0 + 10_000, finishedAt: T0 + 70_000, durationMs: 60_000 })
  })

  it("time each task from its first start to its finish, across retried attempts", () => {
    const session = startSession({ tasks: [task("a"), task("b")] })
    session.send({ type: "START", at: T0 + 1_000 })
    const at = (status: "assigned" | "in_progress" | "retry_wait" | "ready" | "completed", t: number) =>
      session.send({ type: "TASK_STATUS", taskId: "a", status, at: T0 + t })
    at("assigned", 2_000)
    at("in_progress", 3_000)
    at("retry_wait", 4_000)
    at("ready", 5_000)
    at("assigned", 6_000)
    at("in_progress", 7_000)
    at("completed", 9_000)
    expect(session.context().metrics.taskDurationsMs).toEqual({ a: 6_000 })
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
