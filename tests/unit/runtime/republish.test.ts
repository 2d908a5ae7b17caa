// The id a redelivery looks for on the event stream: an event's `i` (its compact form) or `id` (its full form), a
// push's `id`; nothing for a reply or an entry that does not parse.
import { describe, expect, it } from "vitest"
import { publishedId } from "../../../src/runtime/republish.ts"

describe("publishedId", () => {
  it("reads an event's id in its compact and its full form, and a push's id", () => {
    expect(publishedId({ type: "event", body: JSON.stringify({ i: "1-0:3", k: "task" }) })).toBe("1-0:3")
    expect(publishedId({ type: "event", topics: "task:a", body: JSON.stringify({ id: "1-0:4", kind: "task" }) })).toBe("1-0:4")
    expect(publishedId({ type: "push", topics: "control:a", body: JSON.stringify({ id: "0/1-0/2", type: "task_assigned" }) })).toBe(
      "0/1-0/2",
    )
  })

  it("answers nothing for a reply, a push without an id, or a body that is not JSON", () => {
    expect(publishedId({ type: "reply", topics: "reply:e:1", body: JSON.stringify({ id: "x" }) })).toBeUndefined()
    expect(publishedId({ type: "push", topics: "control:a", body: JSON.stringify({ type: "task_assigned" }) })).toBeUndefined()
    expect(publishedId({ type: "event", body: "{not json" })).toBeUndefined()
    expect(publishedId({ type: "event" })).toBeUndefined()
  })
})
