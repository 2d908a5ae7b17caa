// Rendezvous assignment of partitions to runtime processes: complete, balanced, and stable
// when a process joins or leaves (only the leaver's or joiner's share moves).
import { describe, expect, it } from "vitest"
import { assignedTo, ownerOf } from "../../../src/runtime/membership.ts"

const members = ["host-a:101:x1", "host-b:202:y2", "host-c:303:z3"]

describe("partition assignment", () => {
  it("gives every partition exactly one owner, and each member a fair share", () => {
    const shares = members.map((member) => assignedTo(member, members, 96).size)
    expect(shares.reduce((a, b) => a + b, 0)).toBe(96)
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(20)
  })

  it("moves only the leaving member's partitions when one leaves", () => {
    const before = Array.from({ length: 64 }, (_, p) => ownerOf(p, members))
    const after = Array.from({ length: 64 }, (_, p) => ownerOf(p, members.slice(0, 2)))
    before.forEach((owner, p) => {
      if (owner !== members[2]) expect(after[p]).toBe(owner)
      else expect(members.slice(0, 2)).toContain(after[p])
    })
  })

  it("has no owner with no members", () => {
    expect(ownerOf(0, [])).toBeUndefined()
  })
})
