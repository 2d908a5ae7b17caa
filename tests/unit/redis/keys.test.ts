// Key names: each partition's keys share one Redis Cluster hash tag, distinct per partition
// and per prefix. Pure: needs no Redis.
import { describe, expect, it } from "vitest"
import { keysFor, type PartitionKeys } from "../../../src/redis/keys.ts"

/** The part of a key Redis Cluster hashes: the first non-empty `{...}`, else the whole key. */
const hashTag = (key: string): string => {
  const open = key.indexOf("{")
  const end = open < 0 ? -1 : key.indexOf("}", open + 1)
  return end > open + 1 ? key.slice(open + 1, end) : key
}

const partitionKeyNames = (p: PartitionKeys): string[] => [
  p.inbox,
  p.timers,
  p.timerData,
  p.dead,
  p.lease,
  p.fence,
  p.dedupe("c-1"),
  p.heartbeat("a-1"),
]

describe("keysFor", () => {
  it("names the documented keys with the default prefix cb", () => {
    const keys = keysFor()
    const p3 = keys.partition(3)
    expect(partitionKeyNames(p3)).toEqual([
      "{cb:3}:in",
      "{cb:3}:timers",
      "{cb:3}:timer:data",
      "{cb:3}:dead",
      "{cb:3}:lease",
      "{cb:3}:fence",
      "{cb:3}:dedupe:c-1",
      "{cb:3}:heartbeat:a-1",
    ])
    expect(keys.events).toBe("{cb:ev}")
    expect(keys.replies("edge-1")).toBe("{cb:ev}:reply:edge-1")
    expect(keys.members).toBe("cb:members")
  })

  it("keeps every key of a partition in one cluster slot, and partitions apart", () => {
    const keys = keysFor("prod")
    const tags = [0, 1, 15].map((p) => new Set(partitionKeyNames(keys.partition(p)).map(hashTag)))
    expect(tags.map((set) => [...set])).toEqual([["prod:0"], ["prod:1"], ["prod:15"]])
  })

  it("keeps deployments with different prefixes apart, and its patterns match only its own keys", () => {
    const a = keysFor("a")
    const b = keysFor("ab")
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[{}]/g, "\\$&").replace("*", ".*")}$`)
    const matchesA = (key: string) => a.patterns.some((pattern) => glob(pattern).test(key))
    const keysOfA = [...partitionKeyNames(a.partition(0)), a.events, a.members, a.rateLimit("http", "1.2.3.4")]
    const keysOfB = [...partitionKeyNames(b.partition(0)), b.events, b.members, b.rateLimit("http", "1.2.3.4")]
    expect(keysOfA.every(matchesA)).toBe(true)
    expect(keysOfB.some(matchesA)).toBe(false)
  })

  it("refuses a prefix that would break the hash tag or the patterns", () => {
    expect(() => keysFor("c{b}")).toThrow(RangeError)
    expect(() => keysFor("c:b")).toThrow(RangeError)
    expect(() => keysFor("cb").partition(-1)).toThrow(RangeError)
  })

  it("builds a partition's keys once and answers the same ones after, a refused partition every time", () => {
    const keys = keysFor("cb")
    expect(keys.partition(7)).toBe(keys.partition(7))
    expect(keys.partition(7)).not.toBe(keysFor("cb").partition(7))
    expect(() => keys.partition(1.5)).toThrow("partition must be a non-negative integer, got 1.5")
    expect(() => keys.partition(1.5)).toThrow(RangeError)
  })
})
