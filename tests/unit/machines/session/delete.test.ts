// Soft delete: DELETE records `deletedAt` (the edge then leaves the session out of lists) in every state
// where none of its tasks is at work, terminal states included; refused while it runs, and a second time.
import { describe, expect, it } from "vitest"
import { SESSION_STATES } from "../../../../machines/session.ts"
import { sessionIn } from "./harness.ts"

const RUNNING = ["queued", "running", "paused", "degraded"]

describe("session soft delete", () => {
  for (const state of SESSION_STATES.filter((s) => !RUNNING.includes(s))) {
    it(`is recorded in ${state}, the state kept; a second DELETE is refused`, () => {
      const session = sessionIn(state)
      const at = session.now()
      expect(session.send({ type: "DELETE", at })).toEqual([])
      expect(session.state()).toBe(state)
      expect(session.context().deletedAt).toBe(at)
      expect(session.send({ type: "DELETE", at: session.now() })).toEqual([
        { type: "command.rejected", command: "DELETE", state, code: "conflict", reason: "the session is already deleted" },
      ])
      expect(session.context().deletedAt).toBe(at)
    })
  }

  for (const state of RUNNING) {
    it(`is refused in ${state}: it is stopped or cancelled first`, () => {
      const session = sessionIn(state as (typeof SESSION_STATES)[number])
      expect(session.send({ type: "DELETE", at: session.now() })).toEqual([
        { type: "command.rejected", command: "DELETE", state, code: "conflict", reason: `a ${state} session is stopped or cancelled before it is deleted` },
      ])
      expect(session.context().deletedAt).toBeUndefined()
    })
  }
})
