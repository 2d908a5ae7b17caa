// The context machine with XState alone: versions, stale expected_version, the size limit, sharing,
// expiry by its durable timer (a late or early EXPIRE ignored), refusals once expired.
import { createActor } from "xstate"
import { describe, expect, it } from "vitest"
import { contextMachine, type ContextEvent, type ContextInput } from "../../../../machines/context.ts"
import { MAX_CONTEXT_BYTES } from "../../../../machines/context-data.ts"

const T0 = 1_700_000_000_000

function start(input: Partial<ContextInput> = {}) {
  const effects: unknown[] = []
  const actor = createActor(contextMachine, { input: { id: "ctx-1", scope: "global", data: { a: 1 }, at: T0, ...input } })
  actor.on("*", (effect) => effects.push(effect))
  actor.start()
  return {
    effects,
    send(event: ContextEvent) {
      effects.length = 0
      actor.send(event)
      return [...effects]
    },
    state: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
  }
}

describe("context machine", () => {
  it("counts one version per change and checks expected_version", () => {
    const ctx = start()
    expect(ctx.send({ type: "PATCH", set: { "b.c": 2 }, unset: ["a"], expectedVersion: 1, at: T0 + 1 })).toEqual([])
    expect(ctx.context()).toMatchObject({ version: 2, data: { b: { c: 2 } }, updatedAt: T0 + 1 })
    expect(ctx.send({ type: "PATCH", set: { x: 1 }, unset: [], expectedVersion: 1, at: T0 + 2 })).toEqual([
      {
        type: "command.rejected",
        command: "PATCH",
        state: "active",
        code: "conflict",
        reason: "stale version: expected_version is 1, the context is at version 2",
      },
    ])
    expect(ctx.context().version).toBe(2)
  })

  it("refuses a patch past the size limit with payload_too_large", () => {
    const ctx = start()
    const [refused] = ctx.send({ type: "PATCH", set: { big: "x".repeat(MAX_CONTEXT_BYTES) }, unset: [], at: T0 + 1 })
    expect(refused).toMatchObject({ type: "command.rejected", code: "payload_too_large" })
    expect(ctx.context()).toMatchObject({ version: 1, data: { a: 1 } })
  })

  it("weighs a patch of 50,000 paths in one step, as an entry already in an inbox may hold (refused: it outgrows the limit)", () => {
    const ctx = start()
    const set = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]))
    const [refused] = ctx.send({ type: "PATCH", set, unset: [], at: T0 + 1 })
    expect(refused).toMatchObject({
      type: "command.rejected",
      code: "payload_too_large",
      reason: "data: 727787 bytes once patched, more than the 65536 a context may hold",
    })
    expect(ctx.context()).toMatchObject({ version: 1, data: { a: 1 } })
  })

  it("shares with a session once", () => {
    const ctx = start()
    ctx.send({ type: "SHARE", sessionId: "s-1", at: T0 + 1 })
    ctx.send({ type: "SHARE", sessionId: "s-1", at: T0 + 2 })
    expect(ctx.context()).toMatchObject({ sharedWith: ["s-1"], version: 3 })
  })

  it("arms its expiry when temporary, expires when due, ignores an early timer, refuses patches after", () => {
    const ctx = start({ scope: "temporary", ttlS: 5 })
    expect(ctx.effects).toEqual([{ type: "timer.arm", name: "expiry", fireAt: T0 + 5_000, event: { type: "EXPIRE" } }])
    expect(ctx.send({ type: "EXPIRE", at: T0 + 4_999 })).toEqual([])
    expect(ctx.state()).toBe("active")
    ctx.send({ type: "EXPIRE", at: T0 + 5_000 })
    expect(ctx.state()).toBe("expired")
    expect(ctx.context()).toMatchObject({ data: {}, version: 2 })
    expect(ctx.send({ type: "EXPIRE", at: T0 + 9_000 })).toEqual([])
    expect(ctx.send({ type: "PATCH", set: { a: 2 }, unset: [], at: T0 + 9_000 })).toEqual([
      {
        type: "command.rejected",
        command: "PATCH",
        state: "expired",
        code: "conflict",
        reason: "PATCH is not accepted while the context is expired",
      },
    ])
  })

  it("arms nothing when not temporary", () => {
    expect(start().effects).toEqual([])
  })
})
