// Published events and topics: wire shape (snake_case), round trip, topic validation, JSON Schema.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeOr } from "../../../src/schema/errors.ts"
import { EventId, PublishedEvent, Topic, eventId, isTopic, topicsOf } from "../../../src/schema/events.ts"
import { ID, message, requiredOf, value } from "./helpers.ts"

const wireEvent = {
  id: "1732185600000-3:0",
  topic: `task:${ID.a}`,
  kind: "task",
  actor_id: ID.a,
  version: 4,
  from: "assigned",
  to: "in_progress",
  event: "START",
  patch: { status: "in_progress", attempt: 1, started_at: "2026-11-21T10:00:00.000Z" },
  at: "2026-11-21T10:00:00.000Z",
}

describe("topics", () => {
  it("accepts the seven topic forms", () => {
    for (const t of ["sessions", `session:${ID.c}`, "tasks", `task:${ID.a}`, "agents", `agent:${ID.b}`, "machines"]) {
      expect(isTopic(t)).toBe(true)
    }
  })

  it("refuses anything else", () => {
    for (const t of ["task", "task:", "task:x", `robot:${ID.a}`, "all", `tasks:${ID.a}`, ""]) expect(isTopic(t)).toBe(false)
    expect(message(decodeOr(Topic, "task:x"))).toBe(
      'expected a topic (sessions, session:<id>, tasks, task:<id>, agents, agent:<id>, contexts, context:<id>, machines, dead_letters or fleet), got "task:x"',
    )
  })

  it("names every topic an actor's transition goes to", () => {
    expect(topicsOf("agent", ID.b)).toEqual(["agents", `agent:${ID.b}`, "machines"])
    for (const t of topicsOf("session", ID.c)) expect(isTopic(t)).toBe(true)
  })
})

describe("event ids", () => {
  it("are <stream id>:<n>", () => {
    expect(eventId("1732185600000-3", 2)).toBe("1732185600000-3:2")
    expect(value(decodeOr(EventId, eventId("1-0", 0)))).toBe("1-0:0")
    expect(message(decodeOr(EventId, "1732185600000-3"))).toBe('expected an event id like 1732185600000-3:0, got "1732185600000-3"')
  })
})

describe("PublishedEvent", () => {
  it("decodes the wire shape to camelCase and encodes it back", () => {
    const event = value(decodeOr(PublishedEvent, wireEvent))
    expect(event.actorId).toBe(ID.a)
    expect(Schema.encodeSync(PublishedEvent)(event)).toEqual(wireEvent)
  })

  it("has a null `from` for a creation", () => {
    expect(value(decodeOr(PublishedEvent, { ...wireEvent, from: null })).from).toBeNull()
  })

  it("refuses a malformed event by wire field name", () => {
    const { actor_id: _, ...withoutActor } = wireEvent
    expect(message(decodeOr(PublishedEvent, withoutActor))).toBe("actor_id: is missing")
    expect(message(decodeOr(PublishedEvent, { ...wireEvent, kind: "robot" }))).toBe(
      'kind: expected one of "session", "task", "agent", "context", got "robot"',
    )
    expect(message(decodeOr(PublishedEvent, { ...wireEvent, patch: [] }))).toBe("patch: expected an object, got []")
    expect(message(decodeOr(PublishedEvent, { ...wireEvent, version: 0 }))).toMatch(/^version: /)
  })

  it("has a JSON Schema naming its required wire fields", () => {
    expect([...requiredOf(PublishedEvent)].sort()).toEqual(
      ["id", "topic", "kind", "actor_id", "version", "from", "to", "event", "patch", "at"].sort(),
    )
  })
})
