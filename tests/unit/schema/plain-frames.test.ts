// The plain checks of the frames (src/schema/frames.ts, src/schema/plain.ts) answer exactly what the Schemas answer,
// on thousands of values of every type, valid and not (each field missing, of the wrong type or out of range, an
// unknown or camelCase field, a bad id or timestamp, not an object, not JSON): a bot's frame decodes to the same frame
// (members and their order) or the same refusal (code, message, ref) as `decodeFrame(BotFrame, …)`; a server frame
// encodes to the same text as `encodeFrame(ServerFrame, …)`, or fails the same; a push or reply entry of the event
// stream decodes as RawEntry decodes it (`decodeEntryBySchema`).
import { describe, expect, it } from "vitest"
import { decodeEntryBySchema, decodeEventStreamEntry } from "../../../src/schema/event-stream.ts"
import {
  BotFrame,
  decodeBotFrame,
  decodeFrame,
  encodeFrame,
  encodeServerFrame,
  plainBotFrame,
  plainServerFrame,
  ServerFrame,
} from "../../../src/schema/frames.ts"
import { camelCase, ID, random, VALUES } from "../../support/plain-commands.ts"

/** Each bot frame type's payload fields on the wire. */
const FRAMES = {
  claim_task: ["task_id", "attempt"],
  task_started: ["task_id", "attempt"],
  task_progress: ["task_id", "attempt", "progress", "message"],
  task_complete: ["task_id", "attempt", "success", "result", "error"],
  heartbeat: ["load", "status"],
} as const

const FRAME_VALUES: ReadonlyArray<unknown> = [...VALUES, "f-1", "x".repeat(129), "2026-11-21T10:00:00Z", "2026-11-21T10:00:00.123Z"]

/** As the two answer it: the frame's JSON text (members in order) or the refusal's body. */
const answer = (decoded: ReturnType<typeof decodeBotFrame>) =>
  decoded.ok ? { ok: true, text: JSON.stringify(decoded.value) } : { ok: false, error: decoded.error.toBody() }

const framesOf = (type: string, fields: ReadonlyArray<string>, next: () => number): unknown[] => {
  const pick = () => FRAME_VALUES[Math.floor(next() * FRAME_VALUES.length)]
  const frames: unknown[] = []
  for (let n = 0; n < 600; n += 1) {
    const payload: Record<string, unknown> = {}
    // Mostly valid values, so that every field and frame is seen valid too.
    for (const field of fields) if (next() < 0.7) payload[field] = next() < 0.6 ? valid(field) : pick()
    if (next() < 0.05) payload[next() < 0.5 ? "unknown" : camelCase(fields[0] ?? "x")] = pick()
    const frame: Record<string, unknown> = next() < 0.97 ? { type } : {}
    if (next() < 0.5) frame["id"] = next() < 0.8 ? `f-${n}` : pick()
    if (next() < 0.95) frame["payload"] = next() < 0.95 ? payload : pick()
    if (next() < 0.3) frame["timestamp"] = next() < 0.8 ? "2026-11-21T10:00:00.123Z" : pick()
    if (next() < 0.03) frame["extra"] = 1
    frames.push(frame)
  }
  return frames
}

const valid = (field: string): unknown =>
  ({
    task_id: ID,
    attempt: 1,
    progress: 0.5,
    message: "half",
    success: true,
    result: { a: [1, "b", null] },
    error: "boom",
    load: 2,
    status: "healthy",
  })[field]

describe("a bot frame's plain check", () => {
  it("answers what BotFrame's Schema answers, on thousands of frames valid and not", () => {
    const next = random(11)
    let plain = 0
    let refused = 0
    const inputs: unknown[] = ["{", "[]", "null", '"text"', "3", `{"type":"heartbeat","payload":{"status":"a\\u0000"}}`]
    for (const [type, fields] of Object.entries(FRAMES)) inputs.push(...framesOf(type, fields, next))
    inputs.push(...framesOf("task_failed", ["task_id"], next))
    for (const input of inputs) {
      const text = typeof input === "string" ? input : JSON.stringify(input)
      const ours = answer(decodeBotFrame(text))
      expect([text, ours]).toEqual([text, answer(decodeFrame(BotFrame, text))])
      // Bytes as the socket hands them answer the same as text.
      expect(answer(decodeBotFrame(new TextEncoder().encode(text)))).toEqual(ours)
      if (!ours.ok) refused += 1
      else if (plainBotFrame(JSON.parse(text)) !== undefined) plain += 1
    }
    // Both sides of the comparison are exercised: many refusals, many frames the plain check decodes.
    expect(refused).toBeGreaterThan(500)
    expect(plain).toBeGreaterThan(500)
  })

  it("decodes the bots' everyday frames without the Schema", () => {
    const frames = [
      { type: "claim_task", id: "f-1", payload: { task_id: ID, attempt: 1 } },
      { type: "task_started", id: "f-2", payload: { task_id: ID } },
      { type: "task_progress", payload: { task_id: ID, attempt: 0, progress: 0.5, message: "half" } },
      { type: "task_complete", id: "f-3", payload: { task_id: ID, attempt: 2, success: true, result: { n: 1 } } },
      { type: "task_complete", payload: { task_id: ID, success: false, error: "boom" }, timestamp: "2026-11-21T10:00:00Z" },
      { type: "heartbeat", payload: { load: 1, status: "busy" } },
      { type: "heartbeat", payload: {} },
    ]
    for (const frame of frames) expect(plainBotFrame(frame)).toBeDefined()
    expect(plainBotFrame({ type: "task_started", payload: { task_id: ID }, timestamp: "2026-13-40T10:00:00Z" })).toBeUndefined()
    expect(plainBotFrame({ type: "task_started", payload: { taskId: ID } })).toBeUndefined()
  })
})

/** Each server frame type's payload fields in memory (camelCase), with a valid value each. */
const SERVER = {
  connected: { agentId: ID, heartbeatIntervalMs: 15_000, sessionResumed: false },
  task_assigned: {
    taskId: ID,
    sessionId: ID,
    capability: "echo",
    title: "t",
    payload: { n: 1 },
    attempt: 1,
    deadline: "2026-11-21T10:00:00.000Z",
  },
  task_cancelled: { taskId: ID, attempt: 1, reason: "cancelled" },
  ack: { ref: "f-1", streamId: "1732185600000-3" },
  error: { code: "validation_failed", message: "payload.task_id: bad", ref: "f-2" },
} as const

const serverFramesOf = (type: string, members: Readonly<Record<string, unknown>>, next: () => number): Record<string, unknown>[] => {
  const pick = () => FRAME_VALUES[Math.floor(next() * FRAME_VALUES.length)]
  const frames: Record<string, unknown>[] = []
  for (let n = 0; n < 500; n += 1) {
    const payload: Record<string, unknown> = {}
    for (const [field, value] of Object.entries(members)) if (next() < 0.85) payload[field] = next() < 0.7 ? value : pick()
    if (next() < 0.05) payload[next() < 0.5 ? "unknown" : "task_id"] = pick()
    const frame: Record<string, unknown> = next() < 0.97 ? { type } : {}
    if (next() < 0.5) frame["id"] = next() < 0.8 ? `f-${n}` : pick()
    if (next() < 0.97) frame["payload"] = next() < 0.95 ? payload : pick()
    if (next() < 0.2) frame["timestamp"] = pick()
    if (next() < 0.03) frame["extra"] = 1
    frames.push(frame)
  }
  return frames
}

/** A frame's text, or the failure's message. */
const encoded = (encode: () => string): { ok: true; text: string } | { ok: false; message: string } => {
  try {
    return { ok: true, text: encode() }
  } catch (error) {
    return { ok: false, message: String(error) }
  }
}

/** As the two answer an entry: the decoded entry as JSON (members and their order) or the refusal's message. */
const entryAnswer = (decoded: ReturnType<typeof decodeEventStreamEntry>) =>
  decoded.ok ? { ok: true, text: JSON.stringify(decoded.value) } : { ok: false, message: decoded.error.message }

describe("a server frame's plain encode", () => {
  it("gives the text encodeFrame gives, or fails as it does, on thousands of frames valid and not", () => {
    const next = random(13)
    const at = Date.UTC(2026, 10, 21, 10, 0, 0, 123)
    let plain = 0
    let failed = 0
    for (const [type, members] of Object.entries(SERVER)) {
      for (const frame of [...serverFramesOf(type, members, next), ...serverFramesOf("task_failed", members, next).slice(0, 20)]) {
        const ours = encoded(() => encodeServerFrame(frame as ServerFrame, at))
        expect([frame, ours]).toEqual([frame, encoded(() => encodeFrame(ServerFrame, frame as ServerFrame, at))])
        if (!ours.ok) failed += 1
        else if (plainServerFrame(JSON.parse(ours.text)) !== undefined) plain += 1
      }
    }
    expect(failed).toBeGreaterThan(300)
    expect(plain).toBeGreaterThan(500)
  })
})

describe("a push or reply entry's plain decode", () => {
  it("decodes as RawEntry decodes, on thousands of entries valid and not", () => {
    const next = random(17)
    const pick = () => FRAME_VALUES[Math.floor(next() * FRAME_VALUES.length)]
    const entries: Record<string, string>[] = [
      { type: "push", topics: `control:${ID}`, body: "{" },
      { type: "reply", topics: "reply:edge-1", body: "[]" },
      { type: "reply", topics: "reply:", body: "{}" },
      { type: "push", topics: "control:x", body: "{}" },
    ]
    const at = Date.UTC(2026, 10, 21, 10, 0, 0)
    for (const [type, members] of Object.entries(SERVER)) {
      for (const frame of serverFramesOf(type, members, next)) {
        // The wire form as the runtime pushes it, or the frame as it is when it does not encode.
        const body = encoded(() => encodeFrame(ServerFrame, frame as ServerFrame, at))
        const text = body.ok && next() < 0.8 ? body.text : JSON.stringify(frame)
        entries.push({ type: "push", topics: next() < 0.95 ? `control:${ID}` : "control:x", body: text })
      }
    }
    for (let n = 0; n < 2000; n += 1) {
      const reply: Record<string, unknown> = {}
      const valid = {
        outcome: next() < 0.5 ? "applied" : "rejected",
        actor: next() < 0.9 ? { kind: "task", id: ID } : next() < 0.5 ? { kind: "task" } : { kind: "task", id: ID, x: 1 },
        state: next() < 0.7 ? "running" : null,
        code: "conflict",
        reason: "no",
        stream_id: "1732185600000-3",
      }
      for (const [field, value] of Object.entries(valid))
        if (next() < (field === "code" || field === "reason" ? 0.3 : 0.9)) reply[field] = next() < 0.8 ? value : pick()
      if (next() < 0.05) reply["extra"] = pick()
      entries.push({ type: "reply", topics: next() < 0.95 ? `reply:edge-${n % 3}` : "reply:", body: JSON.stringify(reply) })
    }
    let plainPushes = 0
    let decoded = 0
    let refused = 0
    for (const entry of entries) {
      const ours = entryAnswer(decodeEventStreamEntry(entry))
      expect([entry, ours]).toEqual([entry, entryAnswer(decodeEntryBySchema(entry))])
      if (!ours.ok) refused += 1
      else if (entry["type"] === "reply") decoded += 1
      else if (plainServerFrame(JSON.parse(entry["body"] ?? "")) !== undefined) plainPushes += 1
    }
    expect([decoded, refused, plainPushes].every((n) => n > 300)).toBe(true)
  })
})
