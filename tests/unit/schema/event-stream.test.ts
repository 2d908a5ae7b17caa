// Event stream entries: a transition stored compact decodes to exactly what the full form decodes to
// (every field and topic, in order), for a creation, a task of a session (a topic beyond the derived
// ones, stored as `s`; a creation's `session_id` with it) and a transition timed apart from its entry; it is much
// smaller; an entry in the full form (written before the compact one) and one with the session's topic in `topics`
// (written before `s`) still decode.
import { describe, expect, it } from "vitest"
import { decodeEventStreamEntry, eventEntryFields, eventEntryTopics, type StreamedEvent } from "../../../src/schema/event-stream.ts"

const TASK = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d"
const SESSION = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0e"
/** SESSION's 16 bytes in base64url. */
const PACKED = Buffer.from(SESSION.replaceAll("-", ""), "hex").toString("base64url")
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
/** A task of a session created: its patch names the session (creation-view.ts's task view, usual members and all). */
const sessionTaskCreated: StreamedEvent = {
  ...sessionTask,
  version: 1,
  from: null,
  to: "blocked",
  event: "CREATE",
  patch: {
    id: TASK,
    session_id: SESSION,
    key: "t9",
    title: "bench 9",
    capability: "bench",
    payload: { i: 9 },
    depends_on: [],
    priority: 2,
    group: null,
    requires_approval: false,
    approved_at: null,
    timeout_s: 300,
    max_attempts: 3,
    status: "blocked",
    agent_id: null,
    attempt: 0,
    progress: 0,
    progress_message: null,
    result: null,
    error: null,
    cancel_reason: null,
    deadline_at: null,
    started_at: null,
    finished_at: null,
    created_at: AT,
    updated_at: AT,
    stream_id: ENTRY,
    version: 1,
  },
}
/** Two topics beyond the derived ones: stored in `topics`, as before `s`. */
const twoExtra: StreamedEvent = { ...sessionTask, topics: ["tasks", `task:${TASK}`, `session:${SESSION}`, `agent:${AGENT}`, "machines"] }

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
    ["a creation of a session's task", sessionTaskCreated],
    ["a transition with two topics beyond the derived ones", twoExtra],
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

  it("store a session's topic as `s` (its id's bytes in base64url), and a creation's `session_id` equal to it not again", () => {
    const body = (event: StreamedEvent) => JSON.parse(eventEntryFields(event)["body"]!) as Record<string, unknown>
    expect(eventEntryFields(sessionTask)).not.toHaveProperty("topics")
    expect(body(sessionTask)["s"]).toBe(PACKED)
    expect(eventEntryFields(sessionTaskCreated)).not.toHaveProperty("topics")
    expect(body(sessionTaskCreated)["s"]).toBe(PACKED)
    expect(body(sessionTaskCreated)["p"]).not.toHaveProperty("session_id")
    expect(eventEntryFields(twoExtra)["topics"]).toBe(`session:${SESSION},agent:${AGENT}`)
    expect(body(twoExtra)).not.toHaveProperty("s")
  })

  it("keep the topic in `topics` for a creation whose patch names another session", () => {
    const other = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c01"
    const event = { ...sessionTaskCreated, patch: { ...sessionTaskCreated.patch, session_id: other } }
    expect(eventEntryFields(event)["topics"]).toBe(`session:${SESSION}`)
    const decoded = decodeEventStreamEntry(eventEntryFields(event))
    expect(decoded).toEqual(decodeEventStreamEntry(fullForm(event)))
  })

  it("decode an entry written before `s`, its session's topic in `topics`, as the full form", () => {
    const fields = eventEntryFields(sessionTask)
    const body = JSON.parse(fields["body"]!) as Record<string, unknown>
    delete body["s"]
    const before = { type: "event", topics: `session:${SESSION}`, body: JSON.stringify(body) }
    expect(decodeEventStreamEntry(before)).toEqual(decodeEventStreamEntry(fullForm(sessionTask)))
    expect(eventEntryTopics(before)).toEqual(sessionTask.topics)
  })

  it.each([["x,y"], [SESSION], [`${PACKED.slice(0, 21)}B`], [PACKED.slice(1)], [7]])(
    "refuse an `s` that is not a packed session id: %j",
    (s) => {
      const fields = eventEntryFields(sessionTask)
      const broken = { ...fields, body: fields["body"]!.replace(`"s":"${PACKED}"`, `"s":${JSON.stringify(s)}`) }
      const decoded = decodeEventStreamEntry(broken)
      expect(decoded.ok).toBe(false)
      if (!decoded.ok) expect(decoded.error.message).toContain("body.s")
      expect(eventEntryTopics(broken)).toBeUndefined()
    },
  )

  it("keep a session id not written as ours (uppercase) in `topics`", () => {
    const upper = SESSION.toUpperCase()
    const event = { ...sessionTask, topics: ["tasks", `task:${TASK}`, `session:${upper}`, "machines"] }
    expect(eventEntryFields(event)["topics"]).toBe(`session:${upper}`)
    expect(decodeEventStreamEntry(eventEntryFields(event))).toEqual(decodeEventStreamEntry(fullForm(event)))
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
    ["compact, a creation", eventEntryFields(sessionTaskCreated)],
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
