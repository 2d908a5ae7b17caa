// A new task's creation event on the event stream: stored without the members at their usual value, decoded to
// exactly what the whole patch decodes to (members and their order), for a task created with the defaults and one
// created with every member set; the table is the task's view (actors/views.ts) member for member; a patch that is
// not such a view is stored whole; an entry naming a table this code does not know is refused, not half rebuilt.
import { describe, expect, it } from "vitest"
import { initialTransition } from "xstate"
import { taskView } from "../../../actors/views.ts"
import { taskMachine } from "../../../machines/task.ts"
import { leaveUsual, withUsual } from "../../../src/schema/creation-view.ts"
import { decodeEventStreamEntry, eventEntryFields, type StreamedEvent } from "../../../src/schema/event-stream.ts"

const TASK = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d"
const SESSION = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0e"
const ENTRY = "1796040637999-3"
const AT = new Date(1796040637999).toISOString()

/** A task created with the defaults, its view as GET answers it. */
const [ready] = initialTransition(taskMachine, {
  id: TASK,
  title: "build",
  capability: "bench",
  payload: { i: 44 },
  dependsOn: [],
  blocked: false,
  at: 0,
})
const defaultsView: Record<string, unknown> = { ...taskView(TASK, ready.context, String(ready.value)), created_at: AT }

const everySet = {
  ...defaultsView,
  session_id: SESSION,
  key: "build",
  depends_on: ["0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c01"],
  priority: 0,
  group: "tenant-a",
  requires_approval: true,
  timeout_s: 60,
  max_attempts: 1,
  status: "blocked",
}

const creation = (patch: Record<string, unknown>): StreamedEvent => ({
  id: `${ENTRY}:0`,
  topics: ["tasks", `task:${TASK}`, "machines"],
  kind: "task",
  actor_id: TASK,
  version: 1,
  from: null,
  to: String(patch["status"]),
  event: "CREATE",
  patch: { ...patch, updated_at: AT, stream_id: ENTRY, version: 1 },
  at: AT,
})
const fullForm = ({ topics, ...body }: StreamedEvent): Record<string, string> => ({
  type: "event",
  topics: topics.join(","),
  body: JSON.stringify(body),
})
const patchOf = (fields: Record<string, string>) => {
  const decoded = decodeEventStreamEntry(fields)
  if (!decoded.ok || decoded.value.type !== "event") throw new Error("not an event")
  return decoded.value.event.patch
}

describe("a task's creation event", () => {
  it.each([
    ["with the defaults", defaultsView],
    ["with every member set", everySet],
  ])("created %s decodes from the stream exactly as stored whole, members in order", (_, view) => {
    const event = creation(view)
    const compact = patchOf(eventEntryFields(event))
    expect(compact).toEqual(patchOf(fullForm(event)))
    expect(Object.keys(compact)).toEqual(Object.keys(patchOf(fullForm(event))))
  })

  it("is stored in less than half the bytes when created with the defaults", () => {
    const body = eventEntryFields(creation(defaultsView))["body"]!
    expect(body).not.toContain("timeout_s")
    expect(body.length).toBeLessThan(JSON.stringify(creation(defaultsView)).length / 2)
  })

  it("leaves out members by the task's view, member for member", () => {
    const view = defaultsView
    expect(Object.keys(leaveUsual("task", view) ?? {})).toEqual(["id", "title", "capability", "payload", "created_at"])
    expect(Object.keys(withUsual(1, "task", leaveUsual("task", view) ?? {}) ?? {})).toEqual(Object.keys(view))
    expect(withUsual(1, "task", leaveUsual("task", view) ?? {})).toEqual(view)
  })

  it("is stored whole when its patch is not the task's view", () => {
    const { title: _title, ...withoutTitle } = defaultsView
    const { timeout_s: _timeout, ...withoutUsual } = defaultsView
    const { created_at, ...rest } = defaultsView
    expect(leaveUsual("task", { ...defaultsView, extra: 1 })).toBeUndefined()
    expect(leaveUsual("task", { created_at, ...rest })).toBeUndefined()
    expect(leaveUsual("task", withoutUsual)).toBeUndefined()
    expect(leaveUsual("task", withoutTitle)).toBeDefined()
    expect(leaveUsual("agent", { id: TASK })).toBeUndefined()
  })

  it("refuses an entry compacted by a table this code does not know", () => {
    const fields = eventEntryFields(creation(defaultsView))
    const decoded = decodeEventStreamEntry({ ...fields, body: fields["body"]!.replace(`"n":1`, `"n":99`) })
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.error.message).toContain("patch")
  })
})
