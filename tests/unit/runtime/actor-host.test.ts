// The actor host keeps a partition's actors most recently used last: a commit moves each actor it applied to the end,
// the least recently used go first beyond `maxActors`, passivation drops those idle longer than its limit, and an
// actor a commit brings to rest (its kind's `restingStates`) is not held.
import { describe, expect, it } from "vitest"
import { ActorHost, type HeldActor } from "../../../src/runtime/actor-host.ts"

const KIND = { kind: "thing", restingStates: new Set(["done"]) }
const held = (id: string, state = "moving"): HeldActor => ({ id, kind: KIND, state }) as unknown as HeldActor
const commit = (host: ActorHost, ids: string[], at: number) => host.commit(new Map(ids.map((id) => [id, held(id)])), at)
const heldIds = (host: ActorHost, ids: string[]) => ids.filter((id) => host.get(id) !== undefined)

describe("actor host", () => {
  it("passivates the actors idle longer than the limit, whatever order they were first committed in", () => {
    const host = new ActorHost({ maxActors: 10 })
    commit(host, ["a", "b", "c"], 1_000)
    commit(host, ["d"], 5_000)
    // a used again: now the most recently used.
    commit(host, ["a"], 9_000)
    expect(host.passivate(10_000, 4_000)).toBe(3)
    expect(heldIds(host, ["a", "b", "c", "d"])).toEqual(["a"])
    expect(host.passivate(10_000, 4_000)).toBe(0)
    expect(host.passivate(13_000, 4_000)).toBe(1)
    expect(heldIds(host, ["a"])).toEqual([])
  })

  it("evicts the least recently used beyond maxActors", () => {
    const host = new ActorHost({ maxActors: 2 })
    commit(host, ["a", "b"], 1)
    commit(host, ["a"], 2)
    commit(host, ["c"], 3)
    expect(heldIds(host, ["a", "b", "c"])).toEqual(["a", "c"])
  })

  it("does not hold an actor a commit brings to rest, and holds it again once a commit moves it on", () => {
    const host = new ActorHost({ maxActors: 10 })
    commit(host, ["a", "b"], 1)
    host.commit(new Map([["a", held("a", "done")]]), 2)
    expect(heldIds(host, ["a", "b"])).toEqual(["b"])
    host.commit(new Map([["a", held("a", "moving")]]), 3)
    expect(host.get("a")?.state).toBe("moving")
  })
})
