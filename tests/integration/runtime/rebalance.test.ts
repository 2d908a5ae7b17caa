// Sharing the partitions: two runtime processes split the partitions between them (each owns
// some, together all, never one twice), and when one stops the other takes its partitions over
// within seconds; commands keep being applied, in order, throughout.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assignedTo } from "../../../src/runtime/membership.ts"
import type { Runtime } from "../../../src/runtime/runtime.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const PARTITIONS = 16
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: PARTITIONS })
})
afterAll(() => deployment.close())

const ALL = Array.from({ length: PARTITIONS }, (_, p) => p)

/** Samples who owns what until stopped; fails the test if a partition ever has two owners. */
const watchOwnership = (runtimes: ReadonlyArray<Runtime>) => {
  let watching = true
  const overlaps: number[][] = []
  const done = (async () => {
    while (watching) {
      const [first = [], second = []] = runtimes.map((runtime) => runtime.owned())
      const both = first.filter((p) => second.includes(p))
      if (both.length > 0) overlaps.push(both)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  return async () => {
    watching = false
    await done
    return overlaps
  }
}

/** The owner the lease of each partition names in Redis. */
const leaseOwners = async () => Promise.all(ALL.map((p) => deployment.redis.hget(deployment.keys.partition(p).lease, "owner")))

/** Waits until each member has heartbeaten `count` more times (each heartbeat opens a membership tick, which rebalances). */
const heartbeats = async (members: ReadonlyArray<string>, count: number) => {
  const scores = () => Promise.all(members.map((member) => deployment.redis.zscore(deployment.keys.members, member)))
  const seen = (await scores()).map((score) => [score])
  await waitFor(`${count} heartbeats of each runtime`, async () => {
    for (const [at, score] of (await scores()).entries()) if (!seen[at]!.includes(score)) seen[at]!.push(score)
    return seen.every((distinct) => distinct.length > count) ? true : undefined
  })
}

/** One in-progress task per partition, and a way to send each the next progress report. */
const tasksOnEveryPartition = async () => {
  const agentId = randomUUID()
  const tasks = ALL.map((p) => deployment.idIn("task", p))
  for (const id of tasks) {
    await deployment.append({
      kind: "task",
      id,
      type: "CREATE",
      payload: { id, title: "shared", capability: "rebalance", dependsOn: [], blocked: false },
    })
    await deployment.append({ kind: "task", id, type: "ASSIGN", payload: { agentId } })
    await deployment.append({ kind: "task", id, type: "START", payload: { agentId } })
  }
  let sent = 0
  return {
    tasks,
    /** Appends progress report number `n` to every task. */
    async report() {
      sent += 1
      for (const id of tasks) await deployment.append({ kind: "task", id, type: "PROGRESS", payload: { agentId, progress: sent / 1000 } })
      return sent
    },
  }
}

describe("rebalancing", () => {
  it("splits the partitions between two runtimes, hands them all to the survivor when one stops, and keeps applying commands in order", async () => {
    const first = await deployment.startRuntime()
    expect(first.owned()).toEqual(ALL)
    const work = await tasksOnEveryPartition()
    await work.report()

    const second = await deployment.startRuntime()
    const stopWatching = watchOwnership([first, second])
    // Reports keep coming while the partitions move, until each runtime owns exactly its share (the rendezvous
    // assignment both compute), not merely some partitions while others are still being handed over.
    const members = [first.member, second.member]
    const shares = members.map((member) => [...assignedTo(member, members, PARTITIONS)].sort((x, y) => x - y))
    expect(shares.every((share) => share.length > 0)).toBe(true)
    const split = await waitFor("the partitions to be split", async () => {
      await work.report()
      const [a, b] = [first.owned(), second.owned()]
      return [a, b].every((owned, at) => owned.join() === shares[at]!.join()) ? { a, b } : undefined
    })
    expect(await leaseOwners()).toEqual(ALL.map((p) => (split.a.includes(p) ? first.member : second.member)))
    // Stable: two more membership ticks of each runtime (their heartbeats) move nothing.
    await heartbeats([first.member, second.member], 2)
    expect([first.owned(), second.owned()]).toEqual([split.a, split.b])

    await first.stop()
    // A stopped runtime gives its leases back rather than letting them lapse: the survivor need not wait out a TTL.
    expect((await leaseOwners()).filter((owner) => owner === first.member)).toEqual([])
    await waitFor("the survivor to own every partition", async () => (second.owned().length === PARTITIONS ? true : undefined))
    expect(await leaseOwners()).toEqual(ALL.map(() => second.member))
    expect(await stopWatching()).toEqual([])

    // Work goes on, on the partitions the stopped runtime had too.
    const last = await work.report()
    for (const id of work.tasks) {
      const task = await deployment.actor(
        "task",
        id,
        (row) => (row.snapshot as { context: { progress: number } }).context.progress === last / 1000,
      )
      const progress = (await deployment.events(id)).filter((event) => event.event === "PROGRESS").map((event) => event.patch["progress"])
      expect(progress).toEqual(Array.from({ length: last }, (_, i) => (i + 1) / 1000))
      expect(task.version).toBe(3 + last)
    }
  })
})
