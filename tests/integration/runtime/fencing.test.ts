// Fencing: once a newer owner has taken a partition over, a former owner that has not noticed
// yet (paused with a batch in hand, or still running and reading) writes nothing: its batch
// is refused, its worker stops as `lost`, and what it read is applied by the newer owner, in
// order; the newer owner's state is what stays. A former owner paused after its commit, past its
// lease, publishes nothing when it wakes: the newer owner published the batch from its redelivery.
import { randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import type { Sql } from "../../../src/store/db.ts"
import { testDeployment, waitFor, withMethods, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
/** Gates of the running test: opened after it whatever happened, so its workers can stop. */
const gates: Gate[] = []
afterEach(async () => {
  for (const gate of gates.splice(0)) gate.open()
  await deployment.stopAll()
})

/** Holds steps back while shut: a process paused at that step. */
interface Gate {
  shut(): void
  open(): void
  /** Runs `step` now, or once the gate opens. */
  through(step: () => unknown): unknown
  /** Resolves once a step is held at the gate. */
  held(): Promise<unknown>
}

const gate = (): Gate => {
  let release: () => void = () => undefined
  let closed: Promise<void> | undefined
  let waiting = 0
  const created: Gate = {
    shut() {
      closed = new Promise((resolve) => (release = resolve))
    },
    open() {
      closed = undefined
      release()
    },
    through(step) {
      if (!closed) return step()
      waiting += 1
      return closed.then(step)
    },
    held: () => waitFor("a step held at the gate", async () => (waiting > 0 ? true : undefined)),
  }
  gates.push(created)
  return created
}

/** `sql` whose queries with a text that `matches` pass through `at`: held before they are sent, or (`answers`) sent
 * at once with their answers held (a process paused once Postgres has committed). */
const gatedSql = (sql: Sql, matches: (text: string) => boolean, at: Gate, hold: "queries" | "answers" = "queries"): Sql =>
  new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      const [strings] = args
      const run = () => Reflect.apply(target, self, args) as unknown
      if (!Array.isArray(strings) || !matches(strings.join("?"))) return run()
      return hold === "queries" ? at.through(run) : Promise.resolve(run()).then((answer) => at.through(() => answer))
    },
  })

/** `redis` whose waits for new inbox entries pass through `at`. */
const gatedWaits = (redis: Redis, at: Gate): Redis =>
  withMethods(redis, {
    call:
      (call) =>
      (...args) =>
        args[0] === "XREAD" ? at.through(() => call(...args)) : call(...args),
  })

const isBatchWrite = (text: string) => text.includes("insert into partition_fences")
const isSnapshotLoad = (text: string) => text.includes("from actors") && text.includes("unnest")

/** A lease on `partition` for `owner` (a former holder's lease is taken to have expired). */
const takeLease = async (partition: number, owner: string) => {
  const keys = deployment.keys.partition(partition)
  await deployment.redis.del(keys.lease)
  const lease = await deployment.scripts.acquireLease(keys, owner, 60_000)
  if (!lease.ok) throw new Error(`no lease for ${owner}`)
  return lease.value
}

const storedFence = async (partition: number) =>
  (await deployment.schema.sql<{ fence: string }[]>`select fence from partition_fences where partition = ${partition}`)[0]?.fence

/** Creates a task on `partition` and has it started by the current owner. */
const startedTask = async (partition: number) => {
  const taskId = deployment.idIn("task", partition)
  const agentId = randomUUID()
  await deployment.append({
    kind: "task",
    id: taskId,
    type: "CREATE",
    payload: { id: taskId, title: "fenced", capability: "fencing", dependsOn: [], blocked: false },
  })
  await deployment.append({ kind: "task", id: taskId, type: "ASSIGN", payload: { agentId } })
  await deployment.append({ kind: "task", id: taskId, type: "START", payload: { agentId } })
  await deployment.actor("task", taskId, (row) => row.state === "in_progress")
  const progress = (value: number) =>
    deployment.append({ kind: "task", id: taskId, type: "PROGRESS", payload: { agentId, progress: value } })
  return { taskId, progress }
}

const progressOf = (snapshot: unknown) => (snapshot as { context: { progress: number } }).context.progress

/** Resolves once the event of the task's progress to `value` is on the event stream (its batch carried out). */
const progressPublished = (taskId: string, value: number) =>
  waitFor(`the event of progress ${value}`, async () =>
    (await deployment.events(taskId)).some((event) => event.patch["progress"] === value) ? true : undefined,
  )

describe("fencing", () => {
  it("refuses the batch a paused former owner had in hand, even before the new owner wrote anything", async () => {
    const partition = 0
    const fenceA = await takeLease(partition, "A")
    const commitOfA = gate()
    const ownerA = await deployment.startWorker(partition, fenceA, {
      consumer: "A",
      sql: gatedSql(deployment.schema.sql, isBatchWrite, commitOfA),
    })
    const task = await startedTask(partition)
    const before = await deployment.actor("task", task.taskId)

    // A reads the next command and pauses just before committing it...
    commitOfA.shut()
    const first = await task.progress(0.3)
    await commitOfA.held()
    // ...long enough for its lease to expire and B to take over (B is slow to load, too).
    const fenceB = await takeLease(partition, "B")
    const loadOfB = gate()
    loadOfB.shut()
    const ownerB = await deployment.startWorker(partition, fenceB, {
      consumer: "B",
      sql: gatedSql(deployment.schema.sql, isSnapshotLoad, loadOfB),
    })
    await loadOfB.held()

    commitOfA.open()
    await waitFor("the former owner to stop", async () => (ownerA.lost ? true : undefined))
    expect(await deployment.actor("task", task.taskId)).toEqual(before)
    expect(await storedFence(partition)).toBe(String(fenceB))

    const second = await task.progress(0.6)
    loadOfB.open()
    const after = await deployment.actor("task", task.taskId, (row) => progressOf(row.snapshot) === 0.6)
    expect(after.fence).toBe(fenceB)
    expect((await deployment.transitions("task", task.taskId)).slice(-2).map((t) => [t.event, t.streamId])).toEqual([
      ["PROGRESS", first.streamId],
      ["PROGRESS", second.streamId],
    ])
    expect(ownerB.lost).toBe(false)
  })

  it("keeps a former owner that wakes after its commit and the takeover from publishing the batch again", async () => {
    const partition = 0
    const fenceA = await takeLease(partition, "A")
    const answerOfA = gate()
    let clockOfA = Date.now()
    const ownerA = await deployment.startWorker(partition, fenceA, {
      consumer: "A",
      sql: gatedSql(deployment.schema.sql, isBatchWrite, answerOfA, "answers"),
      clock: () => clockOfA,
    })
    const task = await startedTask(partition)

    // A commits the next command and pauses before it carries the batch out...
    answerOfA.shut()
    await task.progress(0.5)
    await answerOfA.held()
    const progressed = await deployment.actor("task", task.taskId, (row) => progressOf(row.snapshot) === 0.5)
    // ...for ten seconds, past its lease: B takes over, and publishes the command's event from its redelivery.
    clockOfA += 10_000
    const fenceB = await takeLease(partition, "B")
    const ownerB = await deployment.startWorker(partition, fenceB, { consumer: "B" })
    const published = async () => (await deployment.events(task.taskId)).filter((event) => event.version === progressed.version)
    await waitFor("the new owner to publish the event", async () => ((await published()).length > 0 ? true : undefined))

    // A wakes: it finds the lease is B's and stops, without publishing or acknowledging anything.
    answerOfA.open()
    await waitFor("the former owner to stop", async () => (ownerA.lost ? true : undefined))
    expect((await published()).map((event) => [event.event, event.version])).toEqual([["PROGRESS", progressed.version]])
    expect(ownerB.lost).toBe(false)
  })

  it("reads its lease before carrying a batch out only when its last renewal is more than half the TTL old", async () => {
    const partition = 1
    const fenceA = await takeLease(partition, "A")
    let clockOfA = Date.now()
    let leaseReads = 0
    const ownerA = await deployment.startWorker(partition, fenceA, {
      consumer: "A",
      redis: withMethods(await deployment.connectRedis(), {
        hmget:
          (hmget) =>
          (...args) => {
            leaseReads += 1
            return hmget(...args)
          },
      }),
      clock: () => clockOfA,
    })
    const task = await startedTask(partition)
    expect(leaseReads).toBe(0)

    // 600 ms of its clock since its lease was taken (QUICK's TTL: 1 s): the next batch reads the lease first.
    clockOfA += 600
    await task.progress(0.5)
    await progressPublished(task.taskId, 0.5)
    expect(leaseReads).toBe(1)

    // Renewed now: the next batch is carried out at once again.
    ownerA.leaseRenewed(clockOfA)
    await task.progress(0.7)
    await progressPublished(task.taskId, 0.7)
    expect(leaseReads).toBe(1)
    expect(ownerA.lost).toBe(false)
  })

  it("refuses a former owner's reads after the takeover, so the new owner applies every command, in order", async () => {
    const partition = 1
    const fenceA = await takeLease(partition, "A")
    const ownerA = await deployment.startWorker(partition, fenceA, { consumer: "A" })
    const task = await startedTask(partition)

    // A's lease lapses without A noticing; B takes over (B is slow to notice new entries) while A
    // still tries to read: its next read is refused, so it stops without taking the command.
    const fenceB = await takeLease(partition, "B")
    const readOfB = gate()
    readOfB.shut()
    const ownerB = await deployment.startWorker(partition, fenceB, {
      consumer: "B",
      blocking: gatedWaits(await deployment.connectRedis(), readOfB),
    })
    await readOfB.held()
    const reports = 30
    const appended = [(await task.progress(1 / reports)).streamId]
    await waitFor("the former owner to stop", async () => (ownerA.lost ? true : undefined))

    readOfB.open()
    for (let n = 2; n <= reports; n += 1) appended.push((await task.progress(n / reports)).streamId)
    const done = await deployment.actor("task", task.taskId, (row) => progressOf(row.snapshot) === 1)
    expect(done.fence).toBe(fenceB)
    const progress = (await deployment.transitions("task", task.taskId)).filter((t) => t.event === "PROGRESS")
    expect(progress.map((t) => t.streamId)).toEqual(appended)
    const pendingOfA = await deployment.redis.xpending(deployment.keys.partition(partition).inbox, RUNTIME_GROUP, "-", "+", 100, "A")
    expect(pendingOfA).toEqual([])
    expect(ownerB.lost).toBe(false)
  })
})
