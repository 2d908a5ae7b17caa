// Carrying out a batch's outbox: the sends of one type in a row to one actor go to its inbox as ONE
// batched entry (a session hears its tasks' reports of a batch in one entry), each still deduplicated
// by its own command id, so carrying the same outbox out again (a redelivered batch) appends nothing,
// and a send of another type, or one without a command id, is appended apart, in order.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { finishBatch } from "../../../src/runtime/execute-batch.ts"
import type { OutboxItem } from "../../../src/runtime/outbox.ts"
import type { BatchPlan } from "../../../src/runtime/plan-batch.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
})
afterAll(() => deployment.close())

const planOf = (outbox: OutboxItem[]): BatchPlan => ({
  rows: [],
  purges: [],
  transitions: [],
  outbox,
  deadLetters: [],
  ackIds: [],
  working: new Map(),
  counts: { applied: 0, rejected: 0, redelivered: 0 },
})

const report = (session: string, n: number, cmdId: string | null = `${session}/${n}`): OutboxItem => ({
  _tag: "send",
  to: { kind: "session", id: session },
  type: "TASK_STATUS",
  payload: { taskId: randomUUID(), index: n, from: "ready", status: "assigned", epoch: 0 },
  entryId: `1-${n}`,
  ...(cmdId === null ? {} : { cmdId }),
})

/** The entries for `session` in its partition's inbox (other tests' sessions may share the partition). */
const inboxOf = async (session: string) => {
  const inbox = deployment.keys.partition(partitionOf("session", session, deployment.partitions)).inbox
  const entries = (await deployment.redis.xrange(inbox, "-", "+")).map(([, flat]) =>
    Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))),
  )
  return entries.filter((entry) => entry["actor"] === `session:${session}`)
}

describe("a batch's sends", () => {
  it("of one type in a row to one actor are one batched entry, appended once however often the batch is carried out", async () => {
    const session = randomUUID()
    const plan = planOf([report(session, 0), report(session, 1), report(session, 2)])
    await finishBatch(deployment.batchIo(), 0, plan)
    await finishBatch(deployment.batchIo(), 0, plan)
    const entries = await inboxOf(session)
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ type: "TASK_STATUS", actor: `session:${session}`, batch: "3" })
    expect(JSON.parse(String(entries[0]!["payload"])).map((p: { index: number }) => p.index)).toEqual([0, 1, 2])
  })

  it("keep their order: another type or a send without a command id ends the run", async () => {
    const session = randomUUID()
    const pause: OutboxItem = {
      _tag: "send",
      to: { kind: "session", id: session },
      type: "PAUSE",
      payload: {},
      entryId: "1-9",
      cmdId: `${session}/pause`,
    }
    await finishBatch(
      deployment.batchIo(),
      0,
      planOf([report(session, 0), report(session, 1), pause, report(session, 2), report(session, 3, null), report(session, 4)]),
    )
    const entries = await inboxOf(session)
    expect(entries.map((entry) => [entry["type"], entry["batch"] ?? "1"])).toEqual([
      ["TASK_STATUS", "2"],
      ["PAUSE", "1"],
      ["TASK_STATUS", "1"],
      ["TASK_STATUS", "1"],
      ["TASK_STATUS", "1"],
    ])
  })

  it("regrouped on a redelivery append only the commands not appended before", async () => {
    const session = randomUUID()
    await finishBatch(deployment.batchIo(), 0, planOf([report(session, 0), report(session, 1)]))
    await finishBatch(deployment.batchIo(), 0, planOf([report(session, 1), report(session, 2), report(session, 0), report(session, 3)]))
    const indexes = (await inboxOf(session)).map((entry) => {
      const payload = JSON.parse(String(entry["payload"])) as { index: number } | Array<{ index: number }>
      return Array.isArray(payload) ? payload.map((p) => p.index) : [payload.index]
    })
    expect(indexes).toEqual([
      [0, 1],
      [2, 3],
    ])
  })
})
