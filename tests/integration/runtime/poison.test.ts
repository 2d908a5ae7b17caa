// Invariant 10 on real Redis and Postgres: an entry that passes validation but cannot be applied
// (its machine overflows the stack) or stored (Postgres refuses a value: SQLSTATE 22003) is split
// out of its batch, dead-lettered with the reason, and its actor left as it was, while every other
// entry of the partition is applied and acknowledged and the partition goes on.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assign, setup } from "xstate"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"
import type { Decoded } from "../../../src/runtime/plan-batch.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

/** Counts down `n` levels of recursion: enough of them overflow the stack. */
const descend = (n: number): number => (n <= 0 ? 0 : 1 + descend(n - 1))

const meterMachine = setup({
  types: {} as {
    context: { reading: number; depth: number }
    events: { type: "READ"; value: number; at: number } | { type: "PROBE"; depth: number; at: number }
    input: { reading: number }
  },
}).createMachine({
  id: "meter",
  context: ({ input }) => ({ reading: input.reading, depth: 0 }),
  on: {
    READ: { actions: assign({ reading: ({ event }) => event.value }) },
    PROBE: { actions: assign({ depth: ({ event }) => descend(event.depth) }) },
  },
})

/** A meter's reading is stored in the `priority` column, a smallint: 70,000 is refused by Postgres. */
const meterKind: ActorKind = {
  kind: "meter",
  machine: meterMachine,
  createType: "CREATE",
  outputs: () => [],
  topics: (id) => [`meter:${id}`],
  columns: (context) => ({ priority: (context as { reading: number }).reading }),
  view: (id, context) => ({ id, reading: (context as { reading: number }).reading }),
}

const decode = (fields: Readonly<Record<string, string>>): Decoded => {
  const [kind = "", id = ""] = (fields["actor"] ?? "").split(":")
  return { ok: true, commands: [{ kind, id, type: fields["type"] ?? "", payload: JSON.parse(fields["payload"] ?? "{}") }] }
}

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
})
afterAll(() => deployment.close())

describe("poison entries", () => {
  it("dead-letters the one entry that cannot be stored or applied and applies all the others", async () => {
    const { inbox, dead } = deployment.keys.partition(0)
    const meters = Array.from({ length: 8 }, () => randomUUID())
    const xadd = (id: string, type: string, payload: object) =>
      deployment.redis.xadd(inbox, "*", "type", type, "actor", `meter:${id}`, "payload", JSON.stringify(payload)) as Promise<string>
    for (const id of meters) await xadd(id, "CREATE", { reading: 1 })
    const poisoned = meters[3]!
    const probed = meters[5]!
    const ids: string[] = []
    for (let round = 2; round <= 40; round += 1) {
      for (const id of meters) {
        // The poisoned meter's last reading is the one Postgres refuses (a batch stores final states).
        if (id === poisoned && round > 20) continue
        if (round === 20 && id === poisoned) ids.push(await xadd(id, "READ", { value: 70_000 }))
        else if (round === 25 && id === probed) ids.push(await xadd(id, "PROBE", { depth: 1_000_000 }))
        else await xadd(id, "READ", { value: round })
      }
    }
    const [tooLarge, tooDeep] = ids

    const lease = await deployment.scripts.acquireLease(deployment.keys.partition(0), "poisoned", 60_000)
    if (!lease.ok) throw new Error("the partition is owned already")
    const worker = await deployment.startWorker(0, lease.value, { consumer: "poisoned", kinds: [meterKind], decode })
    for (const id of meters) await deployment.actor("meter", id, (row) => row.priority === (id === poisoned ? 19 : 40))
    const letters = await waitFor("two dead letters", async () => {
      const entries = await deployment.redis.xrange(dead, "-", "+")
      return entries.length === 2 ? entries : undefined
    })
    const reasons = Object.fromEntries(
      letters.map(([, flat]) => {
        const fields = Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : [])))
        return [fields["source"], fields["reason"]]
      }),
    )
    expect(reasons[tooLarge!]).toMatch(/out of range.*\(22003\)/)
    expect(reasons[tooDeep!]).toMatch(/PROBE made meter:.* fail: Maximum call stack size exceeded/)

    // The poisoned meter's history skips the refused reading; nothing else was lost.
    const history = await deployment.transitions("meter", poisoned)
    expect(history.map((t) => t.streamId)).not.toContain(tooLarge)
    expect(history).toHaveLength(19)
    expect(await deployment.redis.xlen(inbox)).toBe(0)
    expect(worker.lost).toBe(false)
  })
})
