// The plain check of the event stream's transitions (src/schema/event-stream.ts `plainEventEntry`) answers exactly what
// the Schemas answer (`decodeEntryBySchema`: RawEntry, then PublishedEvent), on thousands of entries valid and not: the
// compact entries the runtime writes (a creation compacted by its table, a task of a session with `s`, a transition
// timed apart from its entry, topics beyond the derived ones), then each with a member of its body missing or of
// another value, a bad `s`, `n`, `p`, `at` or `topics`, the full form, a `__proto__` member, a body that is not JSON.
// Every answer is the same event (members and their order) or the same refusal; the plain check answers the valid
// compact entries itself.
import { describe, expect, it } from "vitest"
import { taskView } from "../../../actors/views.ts"
import { taskMachine } from "../../../machines/task.ts"
import { initialTransition } from "xstate"
import {
  decodeEntryBySchema,
  decodeEventStreamEntry,
  eventEntryFields,
  plainEventEntry,
  type StreamedEvent,
} from "../../../src/schema/event-stream.ts"
import { ID, OTHER, random, VALUES } from "../../support/plain-commands.ts"

const ENTRY = "1796040637999-3"
const AT = new Date(1796040637999).toISOString()
const position = { updated_at: AT, stream_id: ENTRY }

const [ready] = initialTransition(taskMachine, {
  id: ID,
  title: "bench 9",
  capability: "bench",
  payload: { i: 9 },
  dependsOn: [],
  blocked: false,
  at: 1796040637999,
})
const newTask = { ...taskView(ID, ready.context, String(ready.value)), created_at: AT, ...position, version: 1 }

/** A standalone task's creation. */
const created: StreamedEvent = {
  id: `${ENTRY}:0`,
  topics: ["tasks", `task:${ID}`, "machines"],
  kind: "task",
  actor_id: ID,
  version: 1,
  from: null,
  to: "ready",
  event: "CREATE",
  patch: newTask,
  at: AT,
}
const sessionTopics = ["tasks", `task:${ID}`, `session:${OTHER}`, "machines"]

const BASE: ReadonlyArray<StreamedEvent> = [
  created,
  { ...created, id: `${ENTRY}:1`, topics: sessionTopics, patch: { ...newTask, session_id: OTHER } },
  {
    ...created,
    id: `${ENTRY}:2`,
    topics: sessionTopics,
    version: 4,
    from: "in_progress",
    to: "completed",
    event: "COMPLETE",
    patch: { status: "completed", progress: 1, result: { lines: [3, null, "x"] }, ...position, version: 4 },
  },
  {
    id: `${ENTRY}:3`,
    topics: ["agents", `agent:${OTHER}`, "machines"],
    kind: "agent",
    actor_id: OTHER,
    version: 7,
    from: "online",
    to: "busy",
    event: "RESERVE",
    patch: { status: "busy", free_capacity: 0, ...position, version: 7 },
    at: new Date(1796040640000).toISOString(),
  },
  {
    id: `${ENTRY}:4`,
    topics: ["sessions", `session:${OTHER}`, "tasks", "agents", "machines"],
    kind: "session",
    actor_id: OTHER,
    version: 2,
    from: "pending",
    to: "running",
    event: "START",
    patch: { status: "running", ...position, version: 2 },
    at: AT,
  },
]

const OTHER_VALUES: ReadonlyArray<unknown> = [...VALUES, { a: 1 }, [1], null, -1, 1.5, 1e20, "1796040637999-3:x", "LYXADdr7SiST5AY81eNUkA"]
const BAD_TOPICS = ["", "tasks,", "session:x", "tasks,agents", `session:${ID.toUpperCase()}`, "nope"]

/** As the two answer it: the entry's JSON text (members in order) or the refusal's message. */
const answer = (decoded: ReturnType<typeof decodeEventStreamEntry>) =>
  decoded.ok ? { ok: true, text: JSON.stringify(decoded.value) } : { ok: false, message: decoded.error.message }

/** Runs `decode`, its throw (a time out of range, in both) as an answer too. */
const settled = (decode: () => ReturnType<typeof decodeEventStreamEntry>) => {
  try {
    return answer(decode())
  } catch (error) {
    return { ok: false, thrown: String(error) }
  }
}

const entriesOf = (next: () => number): Array<Record<string, string>> => {
  const pick = () => OTHER_VALUES[Math.floor(next() * OTHER_VALUES.length)]
  const entries: Array<Record<string, string>> = []
  for (let n = 0; n < 3000; n += 1) {
    const fields = eventEntryFields(BASE[n % BASE.length]!)
    const body = JSON.parse(fields["body"]!) as Record<string, unknown>
    // About a third stay as written; the others get one to three changes.
    const changes = next() < 0.35 ? 0 : 1 + Math.floor(next() * 3)
    for (let change = 0; change < changes; change += 1) {
      const keys = Object.keys(body)
      const roll = next()
      if (roll < 0.3) body[keys[Math.floor(next() * keys.length)]!] = pick()
      else if (roll < 0.45) delete body[keys[Math.floor(next() * keys.length)]!]
      else if (roll < 0.55) body[["s", "n", "at", "p", "f"][Math.floor(next() * 5)]!] = pick()
      else if (roll < 0.62) body["at"] = 1796040640000 + Math.floor(next() * 1000)
      else if (roll < 0.7) fields["topics"] = BAD_TOPICS[Math.floor(next() * BAD_TOPICS.length)]!
      else if (roll < 0.75) fields["topics"] = `session:${OTHER},agents`
      else if (roll < 0.8) body["id"] = `${ENTRY}:9`
      else if (roll < 0.85) body["p"] = { ...(typeof body["p"] === "object" ? body["p"] : {}), x: pick() }
      else if (roll < 0.9) fields["type"] = "evnt"
      else if (roll < 0.93) body["extra"] = pick()
      else fields["body"] = "{"
    }
    if (fields["body"] !== "{") fields["body"] = JSON.stringify(body)
    if (next() < 0.02) fields["body"] = fields["body"]!.replace('"p":{', '"p":{"__proto__":{"a":1},')
    entries.push(fields)
  }
  return entries
}

describe("an event entry's plain check", () => {
  it("answers what RawEntry and PublishedEvent answer, on thousands of entries valid and not", () => {
    let plain = 0
    let decoded = 0
    let refused = 0
    for (const entry of entriesOf(random(17))) {
      const ours = settled(() => decodeEventStreamEntry(entry))
      expect([entry, ours]).toEqual([entry, settled(() => decodeEntryBySchema(entry))])
      if (!ours.ok) refused += 1
      else decoded += 1
      if (ours.ok && plainEventEntry(entry) !== undefined) plain += 1
    }
    expect({ decoded: decoded > 1000, refused: refused > 500, plain: plain > 1000 }).toEqual({ decoded: true, refused: true, plain: true })
  })

  it("answers every compact entry the runtime writes itself, the same as the Schemas", () => {
    for (const event of BASE) {
      const fields = eventEntryFields(event)
      expect(plainEventEntry(fields)).toEqual(
        decodeEntryBySchema(fields).ok ? (decodeEntryBySchema(fields) as { value: unknown }).value : "refused",
      )
    }
  })

  it("leaves the full form (written before the compact one) to the Schemas", () => {
    const full = { type: "event", topics: BASE[2]!.topics.join(","), body: JSON.stringify({ ...BASE[2]!, topics: undefined }) }
    expect(decodeEntryBySchema(full).ok).toBe(true)
    expect(plainEventEntry(full)).toBeUndefined()
    expect(answer(decodeEventStreamEntry(full))).toEqual(answer(decodeEntryBySchema(full)))
  })

  it("keeps a patch's `__proto__` member as a member, as the Schemas do", () => {
    const fields = eventEntryFields(BASE[2]!)
    const proto = { ...fields, body: fields["body"]!.replace('"p":{', '"p":{"__proto__":{"a":1},') }
    const plain = plainEventEntry(proto)
    expect(plain?.type === "event" && Object.keys(plain.event.patch)[0]).toBe("__proto__")
    expect(answer(decodeEventStreamEntry(proto))).toEqual(answer(decodeEntryBySchema(proto)))
  })
})
