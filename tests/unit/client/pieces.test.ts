// The client's pure pieces: reconnect delays (exponential, capped, jittered into their upper half),
// the bounded memory of seen event ids, a view patch keeping every field `GET` answers, and the
// decoding of server frames by their type.
import { describe, expect, it } from "vitest"
import { EventServerFrame, plainEventFrame, plainServerFrame, ServerFrame } from "../../../src/schema/frames.ts"
import { backoffDelay } from "../../../src/client/backoff.ts"
import { frameDecoder } from "../../../src/client/frame-decoder.ts"
import { SeenIds } from "../../../src/client/seen.ts"
import { applyViewPatch } from "../../../src/client/view-patch.ts"

describe("backoffDelay", () => {
  it("doubles from the first delay up to the cap, drawn from the upper half", () => {
    const low = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000, random: () => 0 })
    const high = (n: number) => backoffDelay(n, { initialMs: 100, maxMs: 1_000, random: () => 0.999999 })
    expect([0, 1, 2, 3, 4, 10, 500].map(low)).toEqual([50, 100, 200, 400, 500, 500, 500])
    expect([0, 1, 2, 3, 4, 10, 500].map(high)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000])
  })
})

describe("SeenIds", () => {
  it("answers true for a repeat and forgets the oldest past its capacity", () => {
    const seen = new SeenIds(2)
    expect([seen.check("a"), seen.check("b"), seen.check("a")]).toEqual([false, false, true])
    expect(seen.check("c")).toBe(false)
    expect(seen.check("a")).toBe(false)
    expect(seen.check("c")).toBe(true)
  })
})

describe("applyViewPatch", () => {
  it("sets a top-level field to null where RFC 7396 would remove it, and merges below", () => {
    const view = { status: "assigned", agent_id: "x", payload: { a: 1, b: 2 }, version: 3 }
    expect(applyViewPatch(view, { status: "ready", agent_id: null, payload: { b: null, c: 3 }, version: 4 })).toEqual({
      status: "ready",
      agent_id: null,
      payload: { a: 1, c: 3 },
      version: 4,
    })
    expect(view).toEqual({ status: "assigned", agent_id: "x", payload: { a: 1, b: 2 }, version: 3 })
  })
})

describe("frameDecoder", () => {
  const decode = frameDecoder(ServerFrame)
  /** A decoder's answer, to compare two: the frame decoded, or the refusal's message. */
  const answer = (decoded: ReturnType<typeof decode>) => (decoded.ok ? { value: decoded.value } : { refused: decoded.error.message })
  /** The positions of the frames a check decided on. */
  const accepted = (decided: ReadonlyArray<boolean>) => decided.flatMap((yes, n) => (yes ? [n] : []))
  const message = (value: unknown) => {
    const decoded = decode(value)
    return decoded.ok ? "ok" : decoded.error.message
  }

  it("decodes a frame with the member its type names, and refuses one that member does not accept", () => {
    expect(message({ type: "ack", payload: { ref: "f-1", stream_id: "1732185600000-7" } })).toBe("ok")
    expect(message({ type: "ack", payload: { ref: "f-1" } })).toMatch(/stream_id/)
    expect(message({ type: "task_cancelled", payload: { ref: "f-1", stream_id: "1-1" } })).toMatch(/task_id/)
  })

  it("refuses a frame of no known type with the whole union", () => {
    expect(message({ type: "hello", payload: {} })).not.toBe("ok")
    expect(message("ack")).not.toBe("ok")
  })

  it("with a plain check (the bot's), gives every frame the same answer: the same frame decoded, or the Schema's refusal", () => {
    const withPlain = frameDecoder(ServerFrame, plainServerFrame)
    const taskId = "7b0c0b3e-7c43-4e0c-9b8f-1d2e3f4a5b6c"
    const assigned = {
      task_id: taskId,
      capability: "echo",
      title: "t",
      payload: { n: 1 },
      attempt: 1,
      deadline: "2026-12-08T00:00:00.000Z",
    }
    const frames: unknown[] = [
      { type: "ack", payload: { ref: "f-1", stream_id: "1732185600000-7" }, timestamp: "2026-12-08T00:00:00.000Z" },
      { type: "ack", payload: { ref: "f-1" } },
      { type: "ack", payload: { ref: "", stream_id: "1-1" } },
      { type: "task_assigned", payload: assigned },
      { type: "task_assigned", payload: { ...assigned, session_id: taskId } },
      { type: "task_assigned", payload: { ...assigned, attempt: -1 } },
      { type: "task_assigned", payload: { ...assigned, extra: true } },
      { type: "task_assigned", id: "f-2", payload: assigned, more: 1 },
      { type: "error", payload: { code: "conflict", message: "stale attempt", ref: "f-3" } },
      { type: "hello", payload: {} },
      "ack",
    ]
    const answers = frames.map((frame) => answer(withPlain(frame)))
    expect(answers).toEqual(frames.map((frame) => answer(decode(frame))))
    // A client takes members it does not know (a newer server's), in the payload or the frame.
    expect(accepted(answers.map((one) => "value" in one))).toEqual([0, 3, 4, 6, 7, 8])
    // The plain check decided the everyday ones: the ack, the assignments, the error.
    expect(accepted(frames.map((frame) => plainServerFrame(frame) !== undefined))).toEqual([0, 3, 4, 8])
  })

  it("with the event socket's plain check (the subscriber's), gives every frame the same answer as its Schema", () => {
    const plainly = frameDecoder(EventServerFrame, plainEventFrame)
    const bySchema = frameDecoder(EventServerFrame)
    const event = {
      id: "1732185600000-7:0",
      topic: "task:7b0c0b3e-7c43-4e0c-9b8f-1d2e3f4a5b6c",
      kind: "task",
      actor_id: "7b0c0b3e-7c43-4e0c-9b8f-1d2e3f4a5b6c",
      version: 3,
      from: "assigned",
      to: "in_progress",
      event: "START",
      patch: { status: "in_progress", progress: { done: [1, null, "x"] }, version: 3 },
      at: "2026-12-08T00:00:00.000Z",
    }
    const frames: unknown[] = [
      { type: "event", cursor: "1732185600000-7", payload: event },
      { type: "event", cursor: "1732185600000-7", id: "f-1", timestamp: "2026-12-08T00:00:01.000Z", payload: { ...event, from: null } },
      { type: "event", payload: { ...event, topic: "nope" } },
      { type: "event", payload: { ...event, version: 0 } },
      { type: "event", payload: { ...event, patch: [1] } },
      { type: "event", payload: { ...event, at: "yesterday" } },
      { type: "event", payload: { ...event, extra: 1 } },
      { type: "event", id: "", payload: event },
      { type: "event", timestamp: "soon", payload: event },
      { type: "ack", payload: { ref: "f-1" } },
      { type: "fleet", payload: { inbox_entries: 1, oldest_entry_age_ms: null, dead_letters: 0 } },
    ]
    const answers = frames.map((frame) => answer(plainly(frame)))
    expect(answers).toEqual(frames.map((frame) => answer(bySchema(frame))))
    expect(accepted(answers.map((one) => "value" in one))).toEqual([0, 1, 6, 9, 10])
    // The plain check decided the everyday events; the rest went to the Schema.
    expect(accepted(frames.map((frame) => plainEventFrame(frame) !== undefined))).toEqual([0, 1])
  })
})
