// WebSocket frames: bot frames decode from text (with `ref` on refusal), server frames encode to the
// snake_case wire shape in PROTOCOL's envelope with the time they are sent, event socket frames, and the JSON Schema of each frame union.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { BotFrame, EventClientFrame, EventServerFrame, ServerFrame, decodeFrame, encodeFrame } from "../../../src/schema/frames.ts"
import { ID, failure, jsonSchemaOf, message, value } from "./helpers.ts"

const text = (frame: object) => JSON.stringify(frame)

describe("bot → server frames", () => {
  it("decode each type, snake_case on the wire to camelCase", () => {
    expect(value(decodeFrame(BotFrame, text({ type: "claim_task", id: "c-1", payload: { task_id: ID.a } })))).toEqual({
      type: "claim_task",
      id: "c-1",
      payload: { taskId: ID.a },
    })
    expect(value(decodeFrame(BotFrame, text({ type: "task_started", payload: { task_id: ID.a } }))).payload).toEqual({
      taskId: ID.a,
    })
    const progress = { type: "task_progress", payload: { task_id: ID.a, progress: 0.4, message: "compiling" } }
    expect(value(decodeFrame(BotFrame, text(progress))).payload).toEqual({ taskId: ID.a, progress: 0.4, message: "compiling" })
    const complete = {
      type: "task_complete",
      payload: { task_id: ID.a, success: false, error: "tests failed" },
      timestamp: "2026-11-21T10:00:00Z",
    }
    expect(value(decodeFrame(BotFrame, text(complete)))).toEqual({
      type: "task_complete",
      payload: { taskId: ID.a, success: false, error: "tests failed" },
      timestamp: "2026-11-21T10:00:00Z",
    })
    expect(value(decodeFrame(BotFrame, text({ type: "heartbeat", payload: {} }))).payload).toEqual({})
  })

  it("takes a heartbeat's load from 0 to 1000, refusing what the stored column cannot hold", () => {
    const heartbeat = (load: number) => decodeFrame(BotFrame, text({ type: "heartbeat", id: "h-1", payload: { load } }))
    for (const load of [0, 1e-6, 0.5, 1000]) expect(value(heartbeat(load)).payload).toEqual({ load })
    expect(failure(heartbeat(1e-50)).message).toBe("payload.load: expected 0 or at least 0.000001, got 1e-50")
    expect(failure(heartbeat(1e39)).message).toBe("payload.load: expected a value between 0 and 1000, got 1e+39")
    expect(failure(heartbeat(-1)).message).toBe("payload.load: expected a value between 0 and 1000, got -1")
  })

  it("refuses with PROTOCOL's message and echoes the frame id as ref", () => {
    const error = failure(decodeFrame(BotFrame, text({ type: "task_complete", id: "c-17", payload: { task_id: "x", success: true } })))
    expect(error.toBody()).toEqual({
      error: { code: "validation_failed", message: 'payload.task_id: expected a UUID, got "x"', ref: "c-17" },
    })
  })

  it("lists the bot frame types for an unknown type", () => {
    const error = failure(decodeFrame(BotFrame, text({ type: "nope", id: "c-2", payload: {} })))
    expect(error.message).toBe(
      'type: expected one of "claim_task", "task_started", "task_progress", "task_complete", "heartbeat", got "nope"',
    )
    expect(error.ref).toBe("c-2")
  })

  it("names the bad field of each payload", () => {
    const bad = (frame: object) => message(decodeFrame(BotFrame, text(frame)))
    expect(bad({ type: "task_progress", payload: { task_id: ID.a, progress: 1.2 } })).toBe(
      "payload.progress: expected a value between 0 and 1, got 1.2",
    )
    expect(bad({ type: "task_complete", payload: { task_id: ID.a } })).toBe("payload.success: is missing")
    expect(bad({ type: "heartbeat", payload: { status: "sleepy" } })).toBe(
      'payload.status: expected one of "healthy", "degraded", "busy", got "sleepy"',
    )
    expect(bad({ type: "heartbeat" })).toBe("payload: is missing")
    expect(bad({ type: "claim_task", payload: { task_id: ID.a }, timestamp: "yesterday" })).toBe(
      'timestamp: expected an ISO-8601 UTC time like 2026-11-21T10:00:00Z, got "yesterday"',
    )
  })

  it("reports invalid JSON, without a ref since no id could be read", () => {
    const error = failure(decodeFrame(BotFrame, '{"type": "claim_task", "id": "c-5"'))
    expect([error.message, error.ref]).toEqual(["body: invalid JSON", undefined])
  })

  it("does not echo an unusable id", () => {
    expect(failure(decodeFrame(BotFrame, text({ type: "nope", id: 42, payload: {} }))).ref).toBeUndefined()
  })
})

describe("server → bot frames", () => {
  it("encode to the wire shape and decode back", () => {
    const frames: ServerFrame[] = [
      { type: "connected", payload: { agentId: ID.b, heartbeatIntervalMs: 10_000, sessionResumed: true } },
      {
        type: "task_assigned",
        payload: {
          taskId: ID.a,
          sessionId: ID.c,
          capability: "code",
          title: "build",
          payload: { repo: "x" },
          attempt: 1,
          deadline: "2026-11-21T10:05:00Z",
        },
      },
      { type: "task_cancelled", payload: { taskId: ID.a, attempt: 1, reason: "session stopped" } },
      { type: "ack", payload: { ref: "c-17", streamId: "1732185600000-3" } },
      { type: "error", payload: { code: "conflict", message: "task is completed", ref: "c-18" } },
    ]
    const at = Date.parse("2026-11-21T10:00:01.500Z")
    for (const frame of frames)
      expect(value(decodeFrame(ServerFrame, encodeFrame(ServerFrame, frame, at)))).toEqual({
        ...frame,
        timestamp: "2026-11-21T10:00:01.500Z",
      })
    // PROTOCOL's envelope, in its order: the time the frame is sent last.
    expect(encodeFrame(ServerFrame, frames[0] as ServerFrame, at)).toBe(
      `{"type":"connected","payload":{"agent_id":"${ID.b}","heartbeat_interval_ms":10000,"session_resumed":true},"timestamp":"2026-11-21T10:00:01.500Z"}`,
    )
    expect(JSON.parse(encodeFrame(ServerFrame, frames[3] as ServerFrame, at)).payload).toEqual({
      ref: "c-17",
      stream_id: "1732185600000-3",
    })
  })
})

describe("event socket frames", () => {
  it("decodes subscribe and unsubscribe", () => {
    expect(value(decodeFrame(EventClientFrame, text({ type: "subscribe", payload: { topics: ["tasks", `task:${ID.a}`] } })))).toEqual({
      type: "subscribe",
      payload: { topics: ["tasks", `task:${ID.a}`] },
    })
    expect(message(decodeFrame(EventClientFrame, text({ type: "unsubscribe", payload: { topics: [] } })))).toBe(
      "payload.topics: expected a value with a length of at least 1, got []",
    )
    expect(message(decodeFrame(EventClientFrame, text({ type: "subscribe", payload: { topics: ["everything"] } })))).toBe(
      'payload.topics.0: expected a topic (sessions, session:<id>, tasks, task:<id>, agents, agent:<id>, contexts, context:<id>, machines, dead_letters or fleet), got "everything"',
    )
  })

  it("encodes an event frame with the event's wire fields", () => {
    const event: EventServerFrame = {
      type: "event",
      payload: {
        id: "1732185600000-3:0",
        topic: `task:${ID.a}`,
        kind: "task",
        actorId: ID.a,
        version: 4,
        from: "assigned",
        to: "in_progress",
        event: "START",
        patch: { status: "in_progress", attempt: 1 },
        at: "2026-11-21T10:00:00Z",
      },
    }
    // Built without the envelope's timestamp: PROTOCOL fixes an event frame as {type, cursor, payload}.
    const wire = JSON.parse(JSON.stringify(Schema.encodeSync(EventServerFrame)(event)))
    expect(wire.payload.actor_id).toBe(ID.a)
    expect(value(decodeFrame(EventServerFrame, JSON.stringify(wire)))).toEqual(event)
  })
})

describe("JSON Schema", () => {
  it("documents every frame: type and payload required, payload fields named as on the wire", () => {
    const requiredPayloads: Record<string, Record<string, ReadonlyArray<string>>> = { control: {}, events: {} }
    for (const [socket, unions] of [
      ["control", [BotFrame, ServerFrame]],
      ["events", [EventClientFrame, EventServerFrame]],
    ] as const) {
      for (const union of unions) {
        const { root, resolve } = jsonSchemaOf(union)
        for (const member of root.anyOf ?? []) {
          const frame = resolve(member)
          expect(frame.required).toEqual(["type", "payload"])
          const type = (frame.properties?.type as { enum?: string[] } | undefined)?.enum?.[0] ?? ""
          const payloads = requiredPayloads[socket] as Record<string, ReadonlyArray<string>>
          payloads[type] = resolve(frame.properties?.payload ?? {}).required ?? []
        }
      }
    }
    expect(requiredPayloads).toEqual({
      control: {
        claim_task: ["task_id"],
        task_started: ["task_id"],
        task_progress: ["task_id", "progress"],
        task_complete: ["task_id", "success"],
        heartbeat: [],
        connected: ["agent_id", "heartbeat_interval_ms", "session_resumed"],
        task_assigned: ["task_id", "capability", "title", "payload", "attempt", "deadline"],
        task_cancelled: ["task_id", "attempt", "reason"],
        ack: ["ref", "stream_id"],
        error: ["code", "message"],
      },
      events: {
        subscribe: ["topics"],
        unsubscribe: ["topics"],
        event: ["id", "topic", "kind", "actor_id", "version", "from", "to", "event", "patch", "at"],
        error: ["code", "message"],
        // Beyond PROTOCOL v1.1: the ack of a topic change (a socket opened with acks=1), dead_letters, fleet.
        ack: ["ref"],
        dead_letters: ["count"],
        fleet: ["inbox_entries", "oldest_entry_age_ms", "dead_letters"],
      },
    })
  })
})
