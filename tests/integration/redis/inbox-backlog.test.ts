// The inbox lag the fleet topic charts is one atomic read over every partition's inbox
// (inbox-backlog.lua): while another connection keeps moving entries from one partition to another
// (each move one MULTI: append to the next inbox, delete from this one), every sample sees exactly the
// entries there are, never one entry in two inboxes or in none (the same loop fails with one XLEN per
// inbox: samples of 7 and 9); and the oldest entry is the oldest
// first entry of all the inboxes.
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inboxBacklog } from "../../../src/redis/inbox-backlog.ts"
import { streamIdMs } from "../../../src/redis/stream-id.ts"
import { freshRedis, redisUrl } from "../../support/redis.ts"

const fresh = freshRedis()
const PARTITIONS = 16
const ENTRIES = 8
// The sampler's own connection: reads that are several commands would interleave with the mover's, so only a
// read that is one script sees one instant.
let sampler: Redis
beforeAll(async () => {
  sampler = new Redis(await redisUrl(), { lazyConnect: true })
  await sampler.connect()
})
afterAll(async () => {
  await sampler?.quit()
})

describe("inboxBacklog", () => {
  it("answers none for empty inboxes", async () => {
    expect(await inboxBacklog(fresh.redis, fresh.keys, PARTITIONS)).toEqual({ entries: 0, oldestAt: null })
  })

  it("samples every inbox at one instant while entries move between partitions", async () => {
    const inbox = (p: number) => fresh.keys.partition(p).inbox
    // A retried attempt starts from empty inboxes too.
    await fresh.redis.del(...Array.from({ length: PARTITIONS }, (_, p) => inbox(p)))
    // Entries spread over the partitions; the oldest is the first one appended.
    const where = new Map<number, { partition: number; id: string }>()
    for (let n = 0; n < ENTRIES; n += 1) {
      const partition = (n * 5) % PARTITIONS
      const id = (await fresh.redis.xadd(inbox(partition), "*", "actor", `task:${n}`, "type", "NOOP"))!
      where.set(n, { partition, id })
    }
    const first = streamIdMs(where.get(0)!.id)
    expect(await inboxBacklog(fresh.redis, fresh.keys, PARTITIONS)).toEqual({ entries: ENTRIES, oldestAt: first })

    // The mover: each step takes one entry from its inbox to the next partition's, in one MULTI.
    const mover = await fresh.connect("mover")
    let moving = true
    let moves = 0
    const move = async () => {
      for (let step = 0; moving; step += 1) {
        const n = step % ENTRIES
        const from = where.get(n)!
        const to = (from.partition + 1) % PARTITIONS
        const [[, id]] = (await mover
          .multi()
          .xadd(inbox(to), "*", "actor", `task:${n}`, "type", "NOOP")
          .xdel(inbox(from.partition), from.id)
          .exec()) as [[null, string], [null, number]]
        where.set(n, { partition: to, id })
        moves += 1
      }
    }
    const moved = move()
    const samples: number[] = []
    try {
      // At least 400 samples over at least 400 moves (the two connections' pace varies with the machine's load).
      while (samples.length < 400 || moves < 400) samples.push((await inboxBacklog(sampler, fresh.keys, PARTITIONS)).entries)
    } finally {
      moving = false
      await moved
    }
    expect(moves).toBeGreaterThanOrEqual(400)
    expect(samples.filter((entries) => entries !== ENTRIES)).toEqual([])
    // After the moves the oldest entry is again the oldest first entry of any inbox.
    const oldest = Math.min(...[...where.values()].map((entry) => streamIdMs(entry.id)))
    expect(await inboxBacklog(fresh.redis, fresh.keys, PARTITIONS)).toEqual({ entries: ENTRIES, oldestAt: oldest })
  })
})
