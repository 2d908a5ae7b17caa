// Erasure (`DELETE /sessions/{id}?hard=1`): ERASE is refused while the session's tasks may be at work; elsewhere
// its unfinished tasks are cancelled (a session that could run again is cancelled too), then every task is told
// ERASE, and the session asks to be erased once that is carried out (PURGE, accepted only then).
import { describe, expect, it } from "vitest"
import { SESSION_STATES, type SessionState } from "../../../../machines/session.ts"
import { sessionIn } from "./harness.ts"

const RUNNING: readonly SessionState[] = ["queued", "running", "paused", "degraded"]
/** Erasing these leaves the session cancelled: none of them may run again once erased. */
const CANCELLED_BY_ERASE: readonly SessionState[] = ["pending", "failed", "timeout"]
const FINISHED = ["completed", "failed", "cancelled", "timed_out"]

describe("session erasure", () => {
  for (const state of SESSION_STATES.filter((s) => !RUNNING.includes(s))) {
    it(`in ${state}: its tasks are finished, then erased, then the session; a second ERASE is refused`, () => {
      const session = sessionIn(state)
      session.sent()
      const at = session.now()
      const effects = session.send({ type: "ERASE", at })
      expect(session.state()).toBe(CANCELLED_BY_ERASE.includes(state) ? "cancelled" : state)
      expect(session.context()).toMatchObject({ erasedAt: at, deletedAt: expect.any(Number) })
      expect(effects.map((effect) => effect.type).filter((type) => type.startsWith("session.") || type.startsWith("actor."))).toEqual([
        ...(effects.some((effect) => effect.type === "session.cancel_tasks") ? ["session.cancel_tasks"] : []),
        "session.erase_tasks",
        "actor.erase",
      ])
      // Each task hears its ERASE after the cancel sweep, so every one of them is finished when it does.
      const sent = session.sent().filter((command) => command.type === "ERASE" || command.type === "SESSION_CANCEL")
      const erased = sent.filter((command) => command.type === "ERASE").map((command) => command.to)
      expect(erased).toHaveLength(session.context().taskCount)
      for (const id of erased)
        expect(sent.findIndex((c) => c.to === id && c.type === "SESSION_CANCEL")).toBeLessThan(
          sent.findIndex((c) => c.to === id && c.type === "ERASE"),
        )
      for (const status of session.tasks()) expect(FINISHED).toContain(status)

      expect(session.send({ type: "ERASE", at: session.now() })).toEqual([
        {
          type: "command.rejected",
          command: "ERASE",
          state: session.state(),
          code: "conflict",
          reason: "the session is already being erased",
        },
      ])
      expect(session.send({ type: "PURGE", at: session.now() })).toEqual([{ type: "actor.purge" }])
    })
  }

  for (const state of RUNNING) {
    it(`is refused in ${state}: it is stopped or cancelled first`, () => {
      const session = sessionIn(state)
      expect(session.send({ type: "ERASE", at: session.now() })).toEqual([
        {
          type: "command.rejected",
          command: "ERASE",
          state,
          code: "conflict",
          reason: `a ${state} session is stopped or cancelled before it is erased`,
        },
      ])
      expect(session.context().erasedAt).toBeUndefined()
    })
  }

  it("refuses PURGE unless it is being erased", () => {
    const session = sessionIn("completed")
    expect(session.send({ type: "PURGE", at: session.now() })).toEqual([
      {
        type: "command.rejected",
        command: "PURGE",
        state: "completed",
        code: "conflict",
        reason: "PURGE is not allowed: session:9d3c6f0e-6a4b-4c8e-9f1d-2b7a5e3c1d00 is completed, a final state",
      },
    ])
  })
})
