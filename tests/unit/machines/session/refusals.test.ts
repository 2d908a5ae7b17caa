// Every move docs/machines.md does not list is refused visibly with command.rejected and changes nothing.
import { transition } from "xstate"
import { describe, expect, it } from "vitest"
import { sessionMachine, type SessionEvent } from "../../../../machines/session.ts"
import { FINAL_STATES, LIVE_STATES, sessionIn, startSession, task, type LiveState } from "./harness.ts"

type Command = "START" | "PAUSE" | "RESUME" | "STOP" | "CANCEL" | "FAIL" | "RETRY"

const ACCEPTED: Record<LiveState, Command[]> = {
  pending: ["START", "CANCEL", "FAIL"],
  queued: ["PAUSE", "STOP", "CANCEL", "FAIL"],
  running: ["PAUSE", "STOP", "FAIL"],
  paused: ["RESUME", "STOP", "CANCEL"],
  degraded: ["STOP", "FAIL"],
  failed: ["RETRY"],
  timeout: ["RETRY"],
}
const COMMANDS: Command[] = ["START", "PAUSE", "RESUME", "STOP", "CANCEL", "FAIL", "RETRY"]

function commandEvent(type: Command, at: number): SessionEvent {
  return type === "FAIL" ? { type, reason: "no", at } : { type, at }
}

describe("refused commands", () => {
  for (const state of LIVE_STATES) {
    for (const type of COMMANDS.filter((command) => !ACCEPTED[state].includes(command))) {
      it(`${type} in ${state} is rejected with a conflict and changes nothing`, () => {
        const session = sessionIn(state)
        const before = session.context()
        const effects = session.send(commandEvent(type, session.now()))
        expect(effects).toEqual([
          {
            type: "command.rejected",
            command: type,
            state,
            code: "conflict",
            reason:
              type === "CANCEL" && (state === "running" || state === "degraded")
                ? `CANCEL is not accepted while the session is ${state}: stop it, or pause it and then cancel it`
                : `${type} is not accepted while the session is ${state}`,
          },
        ])
        expect(session.state()).toBe(state)
        expect(session.context()).toEqual(before)
      })
    }
  }

  it("rejects RETRY once maxRetries retries were used", () => {
    const session = sessionIn("failed", { maxRetries: 1 })
    session.send({ type: "RETRY", at: session.now() })
    session.send({ type: "START", at: session.now() })
    session.send({ type: "FAIL", reason: "again", at: session.now() })
    const effects = session.send({ type: "RETRY", at: session.now() })
    expect(effects).toEqual([
      { type: "command.rejected", command: "RETRY", state: "failed", code: "conflict", reason: "retry limit reached (1 of 1)" },
    ])
    expect(session.state()).toBe("failed")
  })

  it("rejects a TASK_STATUS about a task the session does not have, or naming another task's place", () => {
    const session = sessionIn("running")
    const before = session.context()
    const report = { type: "TASK_STATUS", from: "ready", status: "completed", epoch: 1 } as const
    const ghost = "0b0e3c9a-1f1e-4f6a-9a55-8d3c2b1a0f00"
    for (const [taskId, index] of [
      [ghost, 0],
      [session.taskContext("b").id, 0],
      [session.taskContext("a").id, 7],
    ] as const) {
      expect(session.send({ ...report, taskId, index, at: session.now() })).toEqual([
        { type: "command.rejected", command: "TASK_STATUS", state: "running", code: "conflict", reason: `unknown task ${taskId}` },
      ])
    }
    expect(session.context()).toEqual(before)
  })

  it("counts a TASK_STATUS from one of its tasks before START (a task cancelled while it waits)", () => {
    const session = startSession({ tasks: [task("a"), task("b", ["a"])] })
    session.report("a", "cancelled")
    expect(session.state()).toBe("pending")
    expect(session.tasks()).toEqual(["cancelled", "cancelled"])
    expect(session.context().metrics.tasks).toMatchObject({ cancelled: 2, blocked: 0 })
  })

  for (const state of FINAL_STATES) {
    it(`a session in ${state} is over: every later command is refused as in a final state and changes nothing`, () => {
      const session = sessionIn(state)
      for (const type of COMMANDS) {
        const [next, actions] = transition(sessionMachine, session.snapshot(), commandEvent(type, session.now()))
        expect(next.context).toBe(session.snapshot().context)
        expect(next.value).toBe(state)
        expect(actions.map((action) => (action.params as { event?: unknown } | undefined)?.event)).toEqual([
          {
            type: "command.rejected",
            command: type,
            state,
            code: "conflict",
            reason: `${type} is not allowed: session:${session.context().id} is ${state}, a final state`,
          },
        ])
      }
    })
  }
})
