// Ready queues: urgency order (priority, then age) across capabilities, a queued task keeps
// its place, and a task is taken by exactly one of several concurrent takers.
import { describe, expect, it } from "vitest"
import { enqueue, take } from "../../../src/redis/ready-queue.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()
const T0 = Date.UTC(2026, 10, 21, 10)

describe("ready queues", () => {
  it("takes the most urgent tasks across capabilities: priority first, then the oldest", async () => {
    const [code, review] = [fresh.keys.ready("code"), fresh.keys.ready("review")]
    await enqueue(fresh.redis, [
      { key: code, taskId: "code-p2-old", priority: 2, since: T0 },
      { key: code, taskId: "code-p2-new", priority: 2, since: T0 + 5_000 },
      { key: review, taskId: "review-p1", priority: 1, since: T0 + 9_000 },
      { key: code, taskId: "code-p0", priority: 0, since: T0 + 20_000 },
    ])
    expect(await take(fresh.redis, [code, review], 3)).toEqual(["code-p0", "review-p1", "code-p2-old"])
    expect(await take(fresh.redis, [code, review], 3)).toEqual(["code-p2-new"])
    expect(await take(fresh.redis, [code, review], 3)).toEqual([])
  })

  it("keeps a queued task's place when it is queued again", async () => {
    const key = fresh.keys.ready("keep")
    await enqueue(fresh.redis, [{ key, taskId: "a", priority: 2, since: T0 }, { key, taskId: "b", priority: 2, since: T0 + 1 }])
    await enqueue(fresh.redis, [{ key, taskId: "a", priority: 2, since: T0 + 10 }])
    expect(await take(fresh.redis, [key], 1)).toEqual(["a"])
  })

  it("gives each task to exactly one of many concurrent takers", async () => {
    const key = fresh.keys.ready("race")
    const ids = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`)
    await enqueue(fresh.redis, ids.map((taskId, i) => ({ key, taskId, priority: 2, since: T0 + i })))
    const takers = await Promise.all(Array.from({ length: 4 }, () => fresh.connect("taker")))
    const taken = (await Promise.all(takers.map(async (redis) => {
      const mine: string[] = []
      for (let batch = await take(redis, [key], 7); batch.length > 0; batch = await take(redis, [key], 7)) mine.push(...batch)
      return mine
    }))).flat()
    expect(taken.sort()).toEqual(ids)
  })

  it("takes nothing for no capacity or no capabilities", async () => {
    const key = fresh.keys.ready("none")
    await enqueue(fresh.redis, [{ key, taskId: "x", priority: 2, since: T0 }])
    expect(await take(fresh.redis, [key], 0)).toEqual([])
    expect(await take(fresh.redis, [], 3)).toEqual([])
  })
})
