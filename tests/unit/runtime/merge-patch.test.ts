// Merge patches between views (RFC 7396): what a transition records, and that applying it rebuilds the view.
import { describe, expect, it } from "vitest"
import { applyPatch, diffViews, type JsonObject } from "../../../src/runtime/merge-patch.ts"

/** A view as a copy rebuilt from patches holds it: RFC 7396 cannot keep a key whose value is null. */
const withoutNulls = (view: JsonObject) => Object.fromEntries(Object.entries(view).filter(([, value]) => value !== null))

describe("diffViews", () => {
  it("a creation's patch (from nothing) leaves out the null members, and applying it rebuilds the view", () => {
    const view = { id: "t1", title: "build", session_id: null, agent_id: null, depends_on: [], attempt: 0, result: null }
    const patch = diffViews({}, view)
    expect(patch).toEqual({ id: "t1", title: "build", depends_on: [], attempt: 0 })
    expect(applyPatch({}, patch)).toEqual(withoutNulls(view))
  })

  it("a member that becomes null, or disappears, is null in the patch; one that stays null is left out", () => {
    const before = { status: "assigned", agent_id: "a1", result: null, error: null, gone: 1 }
    const after = { status: "ready", agent_id: null, result: null, error: { code: "x" } }
    expect(diffViews(before, after)).toEqual({ status: "ready", agent_id: null, error: { code: "x" }, gone: null })
    expect(applyPatch(withoutNulls(before), diffViews(before, after))).toEqual(withoutNulls(after))
  })

  it("a member absent before and null in a nested object that stays an object is left out of its nested patch", () => {
    const patch = diffViews({ meta: { a: 1 } }, { meta: { a: 1, b: null, c: 2 } })
    expect(patch).toEqual({ meta: { c: 2 } })
  })
})
