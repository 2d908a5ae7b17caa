// Event stream entries: a transition stored compact decodes to exactly what the full form decodes to
// (every field and topic, in order), for a creation, a task of a session (a topic beyond the derived
// ones) and a transition timed apart from its entry; it is much smaller; an entry in the full form
// (written before the compact one) still decodes.
import { describe, expect, it } from "vitest"
import { decodeEventStreamEntry, eventEntryFields, eventEntryTopics, type StreamedEvent } from "../../../src/schema/event-stream.ts"

const TASK = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d"
const SESSION = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0e"
const AGENT = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0f"
const ENTRY = "1796040637999-3"
const AT = new Date(1796040637999).toISOString()

const created: StreamedEvent = {
  id: `${ENTRY}:5`,
  topics: ["agents", `agent:${AGENT}`, "machines"],
  kind: "agent",
  actor_id: AGENT,
  version: 1,
  from: null,
  to: "offline",
  event: "CREATE",
  patch: { id: AGENT, name: "builder", status: "offline", created_at: AT, updated_at: AT, stream_id: ENTRY, version: 1 },
  at: AT,
}
const sessionTask: StreamedEvent = {
  id: `${ENTRY}:2`,
  topics: ["tasks", `task:${TASK}`, `session:${SESSION}`, "machines"],
  kind: "task",
  actor_id: TASK,
  version: 4,
  from: "in_progress",
  to: "completed",
  event: "COMPLETE",
  patch: { status: "completed", progress: 1, result: { lines: 3 }, updated_at: AT, stream_id: ENTRY, version: 4 },
  at: AT,
}
const timedApart: StreamedEvent = { ...sessionTask, at: new Date(1796040640000).toISOString() }

/** The full form the runtime wrote before the compact one. */
const fullForm = ({ topics, ...body }: StreamedEvent): Record<string, string> => ({
  type: "event",
  topics: topics.join(","),
  body: JSON.stringify(body),
})

describe("event stream entries", () => {
  it.each([
    ["a creation", created],
    ["a task of a session", sessionTask],
    ["a transition timed apart from its entry", timedApart],
  ])("decode %s stored compact exactly as stored in full", (_, event) => {
    const compact = decodeEventStreamEntry(eventEntryFields(event))
    const full = decodeEventStreamEntry(fullForm(event))
    expect(full.ok).toBe(true)
    expect(compact).toEqual(full)
    if (compact.ok && compact.value.type === "event") expect(compact.value.topics).toEqual(event.topics)
  })

  it("store a transition in about 40% fewer bytes", () => {
    const size = (fields: Record<string, string>) => Object.entries(fields).reduce((n, [key, value]) => n + key.length + value.length, 0)
    expect(size(eventEntryFields(sessionTask))).toBeLessThan(size(fullForm(sessionTask)) * 0.65)
    expect(eventEntryFields(created)).not.toHaveProperty("topics")
  })

  it("refuse a compact body that is not a transition, naming what is wrong", () => {
    const fields = eventEntryFields(sessionTask)
    const broken = { ...fields, body: fields["body"]!.replace(`"v":4`, `"v":0`) }
    const decoded = decodeEventStreamEntry(broken)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.error.message).toContain("version")
  })

  it.each([
    ["compact", eventEntryFields(sessionTask)],
    ["full", fullForm(sessionTask)],
  ])("tell the topics of an entry stored %s without decoding it, as the decode does", (_, fields) => {
    const decoded = decodeEventStreamEntry(fields)
    expect(eventEntryTopics(fields)).toEqual(decoded.ok && decoded.value.type === "event" ? decoded.value.topics : undefined)
  })

  it("leave the topics of what is not a readable event to the decode", () => {
    expect(eventEntryTopics({ type: "push", topics: `control:${AGENT}`, body: "{}" })).toBeUndefined()
    expect(eventEntryTopics({ type: "event", body: "{not json" })).toBeUndefined()
    expect(eventEntryTopics({ type: "event", body: JSON.stringify({ id: "1-0:0" }) })).toBeUndefined()
  })
})
