// The session's 12 states, its creation from input, and every move docs/machines.md lists (plus ORPHAN).
import { describe, expect, it } from "vitest"
import { SESSION_STATES, sessionMachine, type SessionEmitted, type SessionEvent, type SessionState } from "../../../../machines/session.ts"
import { DEGRADING_RUN, FINAL_STATES, LIVE_STATES, T0, attempt, ofType, sessionIn, startSession, task, type SessionHarness } from "./harness.ts"

describe("session states", () => {
  it("has exactly the 12 states of the reference orchestrator", () => {
    expect(Object.keys(sessionMachine.states).sort()).toEqual([...SESSION_STATES].sort())
    expect(SESSION_STATES).toHaveLength(12)
  })

  it("marks completed, partially_completed, stopped, cancelled and orphaned final, and only those", () => {
    const finals = Object.entries(sessionMachine.states)
      .filter(([, node]) => node.type === "final")
      .map(([name]) => name)
    expect(finals.sort()).toEqual([...FINAL_STATES].sort())
  })
})

describe("session creation", () => {
  it("starts pending with the input, defaults and every task not yet created", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"])] })
    expect(session.state()).toBe("pending")
    expect(session.context()).toMatchObject({
      id: "session-1",
      title: "Ship the parser",
      priority: 2,
      maxRetries: 3,
      createdAt: T0,
      checkpoints: [],
      tasks: [
        { id: "a", key: "key-a", dependsOn: [], spec: { step: "a" }, status: "not_created" },
        { id: "b", dependsOn: ["a"], status: "not_created" },
      ],
    })
    expect(session.context().metrics).toMatchObject({
      tasks: { not_created: 2, blocked: 0, completed: 0 },
      retries: 0,
      checkpoints: 0,
      attemptsEnded: 0,
      health: 1,
    })
  })

  it("keeps the given priority, retry bound, timeout, prompt and type", () => {
    const session = startSession({ priority: 0, maxRetries: 1, timeoutS: 30, prompt: "go", type: "execution" })
    expect(session.context()).toMatchObject({ priority: 0, maxRetries: 1, timeoutS: 30, prompt: "go", type: "execution" })
  })
})

/** A listed move: from a state, what happens (one command, or the task reports that lead there), and where it ends. */
type Move = [from: SessionState, label: string, act: (s: SessionHarness) => SessionEmitted[], to: SessionState]

type Command = "QUEUE" | "START" | "PAUSE" | "RESUME" | "STOP" | "CANCEL" | "RETRY" | "ORPHAN"
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
const timeout = (from: SessionState): Move => [
  from,
  "TIMEOUT",
  (s) => s.send({ type: "TIMEOUT", seq: 1, at: s.now() }),
  "timeout",
]

const MOVES: Move[] = [
  command("pending", "QUEUE", "queued"),
  command("pending", "START", "running"),
  command("pending", "CANCEL", "cancelled"),
  fail("pending"),
  command("queued", "START", "running"),
  command("queued", "CANCEL", "cancelled"),
  fail("queued"),
  ["running", "every task completes", (s) => [...s.report("a", ...attempt("completed")), ...s.report("b", ...attempt("completed"))], "completed"],
  ["running", "some tasks complete", (s) => [...s.report("a", ...attempt("completed")), ...s.report("b", ...attempt("failed"))], "partially_completed"],
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
      expect(session.status()).toBe(FINAL_STATES.includes(to) ? "done" : "active")
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
