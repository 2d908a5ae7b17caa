// Carrying out a batch in few calls: the timers a batch arms and clears in one partition are ONE script call
// (timers-apply.lua, in their order: a task assigned and completed in the batch ends with no deadline, one
// only assigned keeps it), and the commands it sends to the actors of one partition ONE call (append-runs.lua).
// Counted on the worker's own connection, by what its client sends to Redis.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { RUNTIME_GROUP } from "../../../src/redis/keys.ts"
import { countScripts } from "../../support/count-scripts.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const TASKS = 0
const AGENTS = 1
let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

describe("carrying out a batch", () => {
  it("arms and clears a partition's timers in one call, in order, and appends a partition's commands in one call", async () => {
    const capability = `calls-${randomUUID()}`
    const assigned = Array.from({ length: 3 }, () => ({ task: deployment.idIn("task", TASKS), agent: deployment.idIn("agent", AGENTS) }))
    const completed = Array.from({ length: 3 }, () => ({ task: deployment.idIn("task", TASKS), agent: deployment.idIn("agent", AGENTS) }))
    // The whole backlog waits in the inbox before the worker starts: it reads it as one batch.
    for (const { task, agent } of [...assigned, ...completed]) {
      await deployment.append({
        kind: "task",
        id: task,
        type: "CREATE",
        payload: { id: task, title: "calls", capability, dependsOn: [], blocked: false },
      })
      await deployment.append({ kind: "task", id: task, type: "ASSIGN", payload: { agentId: agent } })
    }
    for (const { task, agent } of completed) {
      await deployment.append({ kind: "task", id: task, type: "START", payload: { agentId: agent } })
      await deployment.append({ kind: "task", id: task, type: "COMPLETE", payload: { agentId: agent } })
    }

    const lease = await deployment.scripts.acquireLease(deployment.keys.partition(TASKS), "counted", 60_000)
    if (!lease.ok) throw new Error("the tasks' partition is owned already")
    const connection = await deployment.connectRedis()
    const counts = countScripts(connection, ["timers-apply", "append-runs", "append", "inbox-ack"])
    await deployment.startWorker(TASKS, lease.value, { consumer: "counted", redis: connection })
    const inbox = deployment.keys.partition(TASKS).inbox
    await waitFor("the batch to be acknowledged", async () => {
      const [pending] = (await deployment.redis.xpending(inbox, RUNTIME_GROUP)) as [number]
      return pending === 0 && (await deployment.redis.xlen(inbox)) === 0 ? true : undefined
    })
    for (const { task } of completed) await deployment.actor("task", task, (row) => row.state === "completed")

    // One batch (one acknowledgement): its timers in one call, its RELEASEs to the agents' partition in one call.
    expect(Object.fromEntries(counts)).toEqual({
      "timers-apply": 1,
      "append-runs": 1,
      append: 0,
      "inbox-ack": 1,
    })
    const { timers } = deployment.keys.partition(TASKS)
    for (const { task } of assigned) expect(await deployment.redis.zscore(timers, `task:${task}:deadline`)).not.toBeNull()
    for (const { task } of completed) expect(await deployment.redis.zscore(timers, `task:${task}:deadline`)).toBeNull()
    const releases = (await deployment.redis.xrange(deployment.keys.partition(AGENTS).inbox, "-", "+")).map(([, flat]) => [
      flat[1],
      flat[3],
    ])
    expect(releases).toEqual(completed.map(({ agent }) => ["RELEASE", `agent:${agent}`]))
  })
})
