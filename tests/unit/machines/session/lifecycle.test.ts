// The session's 12 states, its creation from input, and every move docs/machines.md lists (plus ORPHAN).
import { describe, expect, it } from "vitest"
import {
  SESSION_STATES,
  TERMINAL_STATES,
  sessionMachine,
  type SessionEmitted,
  type SessionEvent,
  type SessionState,
} from "../../../../machines/session.ts"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import {
  DEGRADING_RUN,
  FINAL_STATES,
  LIVE_STATES,
  SESSION_ID,
  T0,
  attempt,
  ofType,
  sessionIn,
  startSession,
  task,
  type SessionHarness,
} from "./harness.ts"

describe("session states", () => {
  it("has exactly the 12 states of the reference orchestrator", () => {
    expect(Object.keys(sessionMachine.states).sort()).toEqual([...SESSION_STATES].sort())
    expect(SESSION_STATES).toHaveLength(12)
  })

  it("keeps completed, partially_completed, stopped, cancelled and orphaned terminal, none an XState final state (a deletion is still recorded there)", () => {
    expect([...TERMINAL_STATES].sort()).toEqual([...FINAL_STATES].sort())
    expect(Object.values(sessionMachine.states).filter((node) => node.type === "final")).toEqual([])
  })
})

describe("session creation", () => {
  it("starts pending with the input and defaults, its tasks created held (blocked) under their derived ids", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"])] })
    expect(session.state()).toBe("pending")
    expect(session.context()).toEqual({
      id: SESSION_ID,
      title: "Ship the parser",
      priority: 2,
      maxRetries: 3,
      createdAt: T0,
      taskCount: 2,
      sweeps: [],
      checkpoints: [],
      metrics: expect.any(Object),
      timeoutSeq: 0,
      orphanSeq: 0,
    })
    const [a, b] = [sessionTaskId(SESSION_ID, 0), sessionTaskId(SESSION_ID, 1)]
    expect(session.sent()).toEqual([
      {
        type: "CREATE",
        to: a,
        payload: expect.objectContaining({
          id: a,
          index: 0,
          key: "a",
          dependsOn: [],
          dependants: [b],
          blocked: true,
          payload: { step: "a" },
        }),
      },
      {
        type: "CREATE",
        to: b,
        // no dependants: left out (tests/unit/actors/session-binding.test.ts)
        payload: expect.objectContaining({ id: b, index: 1, key: "b", dependsOn: [a], blocked: true }),
      },
    ])
    expect(session.tasks()).toEqual(["blocked", "blocked"])
    expect(session.context().metrics).toMatchObject({
      tasks: { blocked: 2, ready: 0, completed: 0 },
      retries: 0,
      checkpoints: 0,
      attemptsEnded: 0,
      health: 1,
    })
  })

  it("with start: true is queued at once, its tasks created running (no START to send), running once a task is assigned", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"])], start: true, timeoutS: 60 })
    expect(session.state()).toBe("queued")
    expect(session.sent().map((command) => command.type)).toEqual(["CREATE", "CREATE"])
    expect(session.tasks()).toEqual(["ready", "blocked"])
    expect(session.context().metrics).toMatchObject({ startedAt: T0, tasks: { ready: 1, blocked: 1 } })
    expect(session.context()).toMatchObject({ timeoutAt: T0 + 60_000, sweeps: [] })
    session.report("a", "assigned")
    expect(session.state()).toBe("running")
    session.report("a", "in_progress", "completed")
    expect(session.tasks()).toEqual(["completed", "ready"])
  })

  it("keeps the given priority, retry bound, timeout, prompt and type", () => {
    const session = startSession({ priority: 0, maxRetries: 1, timeoutS: 30, prompt: "go", type: "execution" })
    expect(session.context()).toMatchObject({ priority: 0, maxRetries: 1, timeoutS: 30, prompt: "go", type: "execution" })
  })
})

/** A listed move: from a state, what happens (one command, or the task reports that lead there), and where it ends. */
type Move = [from: SessionState, label: string, act: (s: SessionHarness) => SessionEmitted[], to: SessionState]

type Command = "START" | "PAUSE" | "RESUME" | "STOP" | "CANCEL" | "RETRY" | "ORPHAN"
const command = (from: SessionState, type: Command, to: SessionState): Move => [
  from,
  type,
  (s) => s.send({ type, at: s.now() } as SessionEvent),
  to,
]
const fail = (from: SessionState): Move => [
  from,
  "FAIL",
  (s) => s.send({ type: "FAIL", reason: "operator gave up", at: s.now() }),
  "failed",
]
const timeout = (from: SessionState): Move => [from, "TIMEOUT", (s) => s.send({ type: "TIMEOUT", seq: 1, at: s.now() }), "timeout"]

const MOVES: Move[] = [
  command("pending", "START", "queued"),
  command("pending", "CANCEL", "cancelled"),
  fail("pending"),
  ["queued", "a task is assigned", (s) => s.report("a", "assigned"), "running"],
  command("queued", "CANCEL", "cancelled"),
  fail("queued"),
  // our additions: a queued session can be paused, stopped, and has a deadline
  command("queued", "PAUSE", "paused"),
  command("queued", "STOP", "stopped"),
  timeout("queued"),
  [
    "running",
    "every task completes",
    (s) => [...s.report("a", ...attempt("completed")), ...s.report("b", ...attempt("completed"))],
    "completed",
  ],
  [
    "running",
    "some tasks complete",
    (s) => [...s.report("a", ...attempt("completed")), ...s.report("b", ...attempt("failed"))],
    "partially_completed",
  ],
  ["running", "no task completes", (s) => [...s.report("a", ...attempt("failed")), ...s.report("b", ...attempt("timed_out"))], "failed"],
  fail("running"),
  timeout("running"),
  command("running", "PAUSE", "paused"),
  command("running", "STOP", "stopped"),
  ["running", "health drops", (s) => s.report("a", ...DEGRADING_RUN), "degraded"],
  command("paused", "RESUME", "running"),
  command("paused", "STOP", "stopped"),
  command("paused", "CANCEL", "cancelled"),
  ["degraded", "every task completes", (s) => s.report("b", ...attempt("completed")), "completed"],
  ["degraded", "a task fails for good", (s) => s.report("b", ...attempt("failed")), "failed"],
  fail("degraded"),
  command("degraded", "STOP", "stopped"),
  timeout("degraded"),
  command("failed", "RETRY", "pending"),
  command("timeout", "RETRY", "pending"),
  ...LIVE_STATES.map((from) => command(from, "ORPHAN", "orphaned")),
]

describe("listed moves", () => {
  for (const [from, label, act, to] of MOVES) {
    it(`${from} → ${to} (${label})`, () => {
      const session = sessionIn(from)
      const effects = act(session)
      expect(session.state()).toBe(to)
      expect(ofType(effects, "command.rejected")).toEqual([])
      expect(session.status()).toBe("active")
    })
  }

  it("degraded → running when health recovers", () => {
    const session = sessionIn("degraded", {
      tasks: ["a", "b", "c", "d", "e", "f", "g", "h"].map((id) => task(id)),
    })
    for (const id of ["b", "c", "d", "e", "f"]) session.report(id, ...attempt("completed"))
    expect(session.state()).toBe("degraded")
    session.report("g", ...attempt("completed"))
    expect(session.state()).toBe("running")
  })
})
