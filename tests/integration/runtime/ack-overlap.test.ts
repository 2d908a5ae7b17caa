// A partition's batches in flight: the next batch is carried out once the one before it is carried out, while that
// one's acknowledgement is still on its way (the two go side by side), and nothing is lost or done twice when the
// acknowledgement comes late. The worker's first acknowledgement is held back (its scripts wrapped) until the second
// batch's event is on the stream.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import type { RedisScripts } from "../../../src/redis/scripts.ts"
import { QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const TASKS = 0
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

/** A promise and what resolves it. */
const signal = (): { readonly promise: Promise<void>; resolve(): void } => {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve: () => resolve() }
}

/** The worker's scripts with their first acknowledgement held back until `release` is called. */
const holdFirstAck = (): { readonly held: Promise<void>; release(): void; wrap(scripts: RedisScripts): RedisScripts } => {
  const gate = signal()
  const held = signal()
  let first = true
  const wrap = (scripts: RedisScripts): RedisScripts => ({
    ...scripts,
    ack: (keys, ids) => {
      if (!first) return scripts.ack(keys, ids)
      first = false
      held.resolve()
      return gate.promise.then(() => scripts.ack(keys, ids))
    },
  })
  return { held: held.promise, release: () => gate.resolve(), wrap }
}

describe("a batch's acknowledgement in flight", () => {
  it("does not hold back the next batch's carrying out, and a late acknowledgement loses and repeats nothing", async () => {
    const capability = `ack-overlap-${randomUUID()}`
    const tasks = Array.from({ length: 3 }, () => deployment.idIn("task", TASKS))
    // The backlog waits before the worker starts; batches of one entry: one task's creation each.
    for (const task of tasks)
      await deployment.append({
        kind: "task",
        id: task,
        type: "CREATE",
        payload: { id: task, title: "overlap", capability, dependsOn: [], blocked: false },
      })
    const lease = await deployment.scripts.acquireLease(deployment.keys.partition(TASKS), "overlap", 60_000)
    if (!lease.ok) throw new Error("the tasks' partition is owned already")
    const ack = holdFirstAck()
    await deployment.startWorker(TASKS, lease.value, { consumer: "overlap", scripts: ack.wrap, tuning: { ...QUICK, batchSize: 1 } })

    const [, second] = tasks as [string, string, string]
    const inbox = deployment.keys.partition(TASKS).inbox
    try {
      await ack.held
      // The first batch's acknowledgement has not reached Redis; the second batch is carried out all the same.
      await waitFor("the second task's creation on the event stream", async () =>
        (await deployment.events(second)).length > 0 ? true : undefined,
      )
      const [pendingWhileHeld] = (await deployment.redis.xpending(inbox, RUNTIME_GROUP)) as [number]
      expect(pendingWhileHeld).toBeGreaterThanOrEqual(1)

      ack.release()
      await waitFor("every entry acknowledged", async () => {
        const [pending] = (await deployment.redis.xpending(inbox, RUNTIME_GROUP)) as [number]
        return pending === 0 && (await deployment.redis.xlen(inbox)) === 0 ? true : undefined
      })
    } finally {
      ack.release()
    }
    for (const task of tasks) {
      expect((await deployment.events(task)).map((event) => [event.version, event.to])).toEqual([[1, "ready"]])
      expect((await deployment.transitions("task", task)).length).toBe(1)
    }
  })
})
