// JSON merge patches (RFC 7396) between two views of an actor (src/runtime/merge-patch.ts): applying the RFC's own
// examples, diffing then applying gives the later view back, and a member named `__proto__` (a bot's JSON may hold
// one: JSON.parse keeps it as a member) is a member like any other, in a patch and in a rebuilt view.
import { describe, expect, it } from "vitest"
import { applyPatch, diffViews, type Json, type JsonObject } from "../../../src/runtime/merge-patch.ts"

const parsed = (text: string): JsonObject => JSON.parse(text) as JsonObject
/** What a reader gets: the JSON text of a view (a member dropped or made a prototype does not show). */
const text = (value: Json): string => JSON.stringify(value)

describe("merge patches", () => {
  it("applies RFC 7396's examples", () => {
    const examples: Array<[target: string, patch: string, result: string]> = [
      ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
      ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
      ['{"a":"b"}', '{"a":null}', "{}"],
      ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
      ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
      ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
      ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
      ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
      ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
      ["[1,2]", '{"a":"b","c":null}', '{"a":"b"}'],
      ["{}", '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
    ]
    for (const [target, patch, result] of examples) expect(text(applyPatch(JSON.parse(target), JSON.parse(patch)))).toBe(result)
  })

  it("a view diffed from the one before it and applied to it gives it back; equal views give an empty patch", () => {
    const before = parsed('{"status":"ready","agent_id":null,"progress":0,"payload":{"n":1,"tags":["a"]}}')
    const after = parsed('{"status":"assigned","agent_id":"a-1","progress":0,"payload":{"n":1,"tags":["a","b"]}}')
    const patch = diffViews(before, after)
    expect(patch).toEqual({ status: "assigned", agent_id: "a-1", payload: { tags: ["a", "b"] } })
    expect(applyPatch(before, patch)).toEqual(after)
    expect(diffViews(after, parsed(text(after)))).toEqual({})
  })

  it("a member named __proto__ is patched and rebuilt as a member, and changes no prototype", () => {
    const before = parsed('{"id":"t","payload":null,"meta":{"__proto__":{"x":1},"y":2}}')
    const after = parsed('{"id":"t","payload":{"__proto__":{"polluted":true},"a":2},"meta":{"__proto__":{"x":3},"y":2}}')
    const patch = diffViews(before, after)
    expect(text(patch)).toBe('{"payload":{"__proto__":{"polluted":true},"a":2},"meta":{"__proto__":{"x":3}}}')
    const rebuilt = applyPatch(before, JSON.parse(text(patch)) as Json)
    expect(text(rebuilt)).toBe(text(after))
    expect(Object.getPrototypeOf((rebuilt as JsonObject)["payload"])).toBe(Object.prototype)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    // Removed by a null, as any other member.
    expect(text(applyPatch(after, parsed('{"meta":{"__proto__":null}}')))).toBe(
      '{"id":"t","payload":{"__proto__":{"polluted":true},"a":2},"meta":{"y":2}}',
    )
  })
})
