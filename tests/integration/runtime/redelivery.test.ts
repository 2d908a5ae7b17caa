// Redelivery: an owner that dies after committing a batch but before acknowledging it leaves
// its entries pending; the next owner applies them again as a no-op for state (same row,
// version and history) and carries out their stored outbox once more: the same event ids (those the
// event stream holds already are not published again), the same deduplicated commands, so nothing is
// lost and nothing is counted twice.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { entriesAdded, QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { scriptFailsOnce } from "../../support/script-failure.ts"

const TASK_PARTITION = 0
const AGENT_PARTITION = 1
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

type Step = "events-publish" | "append-runs" | "inbox-ack"
/** What fails: publishing the events (one script call), appending the commands they caused to other inboxes
 * (one call per partition, sent side by side with the publishing) or acknowledging the entries (after both). */
const PUBLISH: Step = "events-publish"
const SEND: Step = "append-runs"
const ACK: Step = "inbox-ack"

const contextOf = <T>(actor: StoredActor): T => (actor.snapshot as { context: T }).context
const pendingCount = async (partition: number) =>
  ((await deployment.redis.xpending(deployment.keys.partition(partition).inbox, RUNTIME_GROUP)) as [number])[0]

/** A task in progress on an online agent, set up by a runtime that is stopped afterwards. */
const heldTask = async () => {
  const runtime = await deployment.startRuntime()
  const capability = `redeliver-${randomUUID()}`
  const agentId = deployment.idIn("agent", AGENT_PARTITION)
  const taskId = deployment.idIn("task", TASK_PARTITION)
  await deployment.append({
    kind: "agent",
    id: agentId,
    type: "CREATE",
    payload: { id: agentId, name: "holder", capabilities: [capability] },
  })
  await deployment.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {} })
  await deployment.actor("agent", agentId, (row) => row.state === "online")
  await deployment.append({
    kind: "task",
    id: taskId,
    type: "CREATE",
    payload: { id: taskId, title: "held", capability, dependsOn: [], blocked: false },
  })
  await deployment.actor("task", taskId, (row) => row.state === "assigned" && row.agentId === agentId)
  await deployment.append({ kind: "task", id: taskId, type: "START", payload: { agentId } })
  await deployment.actor("task", taskId, (row) => row.state === "in_progress")
  await runtime.stop()
  return { taskId, agentId }
}

/** Appends the task's last two commands; an owner applies them and dies when `step` fails. */
const crashDuring = async (step: Step, held: { taskId: string; agentId: string }) => {
  const progress = await deployment.append({
    kind: "task",
    id: held.taskId,
    type: "PROGRESS",
    payload: { agentId: held.agentId, progress: 0.5 },
  })
  const complete = await deployment.append({ kind: "task", id: held.taskId, type: "COMPLETE", payload: { agentId: held.agentId } })
  const lease = await deployment.scripts.acquireLease(deployment.keys.partition(TASK_PARTITION), "doomed", QUICK.leaseTtlMs ?? 1_000)
  if (!lease.ok) throw new Error("the task's partition is owned already")
  let died: Promise<void> | undefined
  const connection = await deployment.connectRedis()
  // The process dies at that instant: its loop stops without acknowledging anything.
  const worker = await deployment.startWorker(TASK_PARTITION, lease.value, {
    consumer: "doomed",
    redis: scriptFailsOnce(connection, step, () => (died = worker.stop())),
  })
  await waitFor("the owner to die", async () => (died === undefined ? undefined : { died }))
  await died
  return { entryIds: [progress.streamId, complete.streamId], lease }
}

/** How many entries the agent's inbox ever received (applied ones are deleted from it). */
const appendedToAgents = () => entriesAdded(deployment.redis, deployment.keys.partition(AGENT_PARTITION).inbox)

/** The RELEASE commands waiting in the agent's inbox for the task (before its partition applies them). */
const releasesFor = async (agentId: string, taskId: string) =>
  (await deployment.redis.xrange(deployment.keys.partition(AGENT_PARTITION).inbox, "-", "+"))
    .map(([id, flat]) => ({ id, fields: Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : []))) }))
    .filter(
      ({ fields }) => fields["type"] === "RELEASE" && fields["actor"] === `agent:${agentId}` && String(fields["payload"]).includes(taskId),
    )

/** The agent counted the task's completion exactly once and has its slot back. */
const expectReleasedOnce = async (agentId: string) => {
  // Its RELEASE applied (the slot may have been given straight to the task by a wake: it hears of it only then).
  const agent = await deployment.actor("agent", agentId, (row) => contextOf<{ successes: number }>(row).successes > 0)
  expect(agent).toMatchObject({ state: "online", freeCapacity: 1 })
  expect(contextOf<{ successes: number; inflight: string[] }>(agent)).toMatchObject({ successes: 1, inflight: [] })
}

describe("redelivery", () => {
  it("changes nothing when an entry committed before a crash is applied again, and does not publish its events twice", async () => {
    const held = await heldTask()
    const { entryIds } = await crashDuring(ACK, held)
    expect(await pendingCount(TASK_PARTITION)).toBe(2)
    const committed = await deployment.actor("task", held.taskId)
    expect(committed).toMatchObject({ state: "completed", streamId: entryIds[1] })
    const history = await deployment.transitions("task", held.taskId)
    const published = await deployment.events(held.taskId)
    const firstTime = published.slice(-2)
    expect(firstTime.map((event) => event.id)).toEqual(entryIds.map((id) => `${id}:${TASK_PARTITION}`))
    expect(await releasesFor(held.agentId, held.taskId)).toHaveLength(1)
    const appended = await appendedToAgents()

    // The next owner takes the partition over once the dead owner's lease expires.
    const runtime = await deployment.startRuntime()
    await waitFor("the entries to be acknowledged", async () => ((await pendingCount(TASK_PARTITION)) === 0 ? true : undefined))
    expect(runtime.stats.redelivered).toBe(2)

    expect(await deployment.actor("task", held.taskId)).toEqual(committed)
    expect(await deployment.transitions("task", held.taskId)).toEqual(history)
    // Acknowledged after its outbox was carried out again: the events the dead owner published are not repeated.
    expect(await deployment.events(held.taskId)).toEqual(published)
    // The follow-up command carries the same id: appended once, counted once.
    await expectReleasedOnce(held.agentId)
    expect(await appendedToAgents()).toBe(appended)
  })

  it("publishes what a batch committed before a crash caused, when the crash came while publishing", async () => {
    const held = await heldTask()
    const appendedBefore = await appendedToAgents()
    const { entryIds } = await crashDuring(PUBLISH, held)
    const committed = await deployment.actor("task", held.taskId)
    expect(committed.state).toBe("completed")
    const before = await deployment.events(held.taskId)
    expect(before.map((event) => event.event)).toEqual(["CREATE", "ASSIGN", "START"])
    // The command the batch caused was sent side by side with the publishing, which failed alone.
    await waitFor("the RELEASE sent with the publishing", async () =>
      (await releasesFor(held.agentId, held.taskId)).length === 1 ? true : undefined,
    )

    await deployment.startRuntime()
    const after = await waitFor("the events", async () => {
      const events = await deployment.events(held.taskId)
      return events.length === before.length + 2 ? events : undefined
    })
    expect(after.slice(-2).map((event) => [event.id, event.event, event.to])).toEqual([
      [`${entryIds[0]}:${TASK_PARTITION}`, "PROGRESS", "in_progress"],
      [`${entryIds[1]}:${TASK_PARTITION}`, "COMPLETE", "completed"],
    ])
    expect(await deployment.actor("task", held.taskId)).toEqual(committed)
    await expectReleasedOnce(held.agentId)
    // Carried out again on redelivery, the RELEASE was deduplicated: one entry in all.
    expect(await appendedToAgents()).toBe(appendedBefore + 1)
  })

  it("appends what a batch committed before a crash caused, when the crash came before its commands were appended", async () => {
    const held = await heldTask()
    const { entryIds } = await crashDuring(SEND, held)
    expect((await deployment.actor("task", held.taskId)).state).toBe("completed")
    expect(await releasesFor(held.agentId, held.taskId)).toHaveLength(0)
    const appended = await appendedToAgents()

    await deployment.startRuntime()
    await waitFor("the entries to be acknowledged", async () => ((await pendingCount(TASK_PARTITION)) === 0 ? true : undefined))
    const events = await deployment.events(held.taskId)
    expect(events.slice(-2).map((event) => event.id)).toEqual(entryIds.map((id) => `${id}:${TASK_PARTITION}`))
    await expectReleasedOnce(held.agentId)
    expect(await appendedToAgents()).toBe(appended + 1)
  })

  it("still carries out a redelivered entry's effects when the first attempt to carry them out fails", async () => {
    const held = await heldTask()
    const { entryIds, lease } = await crashDuring(PUBLISH, held)
    const before = await deployment.events(held.taskId)

    // The next owner's first attempt to publish fails too (a Redis hiccup); it retries.
    const partition = deployment.keys.partition(TASK_PARTITION)
    await deployment.redis.del(partition.lease)
    const next = await deployment.scripts.acquireLease(partition, "next", 60_000)
    if (!next.ok || next.value <= lease.value) throw new Error("no newer lease")
    const connection = await deployment.connectRedis()
    await deployment.startWorker(TASK_PARTITION, next.value, {
      consumer: "next",
      redis: scriptFailsOnce(connection, PUBLISH, () => undefined),
    })
    await waitFor("the entries to be acknowledged", async () => ((await pendingCount(TASK_PARTITION)) === 0 ? true : undefined))

    expect((await deployment.events(held.taskId)).slice(before.length).map((event) => event.id)).toEqual(
      entryIds.map((id) => `${id}:${TASK_PARTITION}`),
    )
    expect(await releasesFor(held.agentId, held.taskId)).toHaveLength(1)
    // A runtime applies the agent's partition (the task's is still the hand-started owner's).
    await deployment.startRuntime()
    await expectReleasedOnce(held.agentId)
  })
})
