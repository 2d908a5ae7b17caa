// Reclaiming a stalled consumer's pending entries, including entries deleted from the stream meanwhile.
import { describe, expect, it } from "vitest"
import { autoclaim, ensureGroup } from "../../../src/redis/streams.ts"
import { freshRedis, readGroup } from "../../support/redis.ts"
import { waitFor } from "../../support/runtime.ts"

const fresh = freshRedis()

const pendingOf = async (inbox: string) =>
  ((await fresh.redis.xpending(inbox, "runtime", "-", "+", 100)) as [string, string][]).map(([id, consumer]) => ({ id, consumer }))

describe("autoclaim", () => {
  it("moves idle pending entries to the claiming consumer and reports deleted ones, which leave the pending list", async () => {
    const { inbox } = fresh.keys.partition(0)
    await ensureGroup(fresh.redis, inbox)
    const ids: string[] = []
    for (const n of ["1", "2", "3"]) ids.push((await fresh.redis.xadd(inbox, "*", "n", n)) as string)
    await readGroup(fresh.redis, inbox, "crashed", 10)
    await fresh.redis.xdel(inbox, ids[1]!)
    await waitFor("the three pending entries idle for 20 ms", async () => {
      const idle = (await fresh.redis.xpending(inbox, "runtime", "IDLE", 20, "-", "+", 100)) as unknown[]
      return idle.length === 3 ? true : undefined
    })

    const claimed = await autoclaim(fresh.redis, inbox, "rescuer", 20, 10)
    expect(claimed).toEqual({
      next: "0-0",
      entries: [
        { id: ids[0], fields: { n: "1" } },
        { id: ids[2], fields: { n: "3" } },
      ],
      deleted: [ids[1]],
    })
    expect(await pendingOf(inbox)).toEqual([
      { id: ids[0], consumer: "rescuer" },
      { id: ids[2], consumer: "rescuer" },
    ])
  })

  it("leaves entries that have not been idle long enough", async () => {
    const { inbox } = fresh.keys.partition(1)
    await ensureGroup(fresh.redis, inbox)
    const id = await fresh.redis.xadd(inbox, "*", "n", "1")
    await readGroup(fresh.redis, inbox, "busy", 10)
    expect(await autoclaim(fresh.redis, inbox, "rescuer", 60_000, 10)).toEqual({ next: "0-0", entries: [], deleted: [] })
    expect(await pendingOf(inbox)).toEqual([{ id, consumer: "busy" }])
  })

  it("pages through a long pending list with the cursor", async () => {
    const { inbox } = fresh.keys.partition(2)
    await ensureGroup(fresh.redis, inbox)
    for (let i = 0; i < 5; i++) await fresh.redis.xadd(inbox, "*", "n", String(i))
    await readGroup(fresh.redis, inbox, "crashed", 10)

    const seen: string[] = []
    let cursor = "0-0"
    do {
      const page = await autoclaim(fresh.redis, inbox, "rescuer", 0, 2, cursor)
      expect(page.entries.length).toBeLessThanOrEqual(2)
      seen.push(...page.entries.map((entry) => entry.fields.n!))
      cursor = page.next
    } while (cursor !== "0-0")
    expect(seen).toEqual(["0", "1", "2", "3", "4"])
  })
})
