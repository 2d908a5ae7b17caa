// Durable time: deadlines, retry backoffs and heartbeat expiries are kept in Redis, not in a
// process's memory, so one that falls due while no runtime is running fires as soon as a
// runtime is back, with the effects a user relies on; a running worker fires one when it falls
// due, not at its next periodic look.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import type { StoredActor } from "../../../src/store/actor-row.ts"
import { QUICK, redisClockPast, testDeployment, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

const contextOf = <T>(actor: StoredActor): T => (actor.snapshot as { context: T }).context

/** When the actor's durable timer `name` fires, or undefined when none is armed. */
const timerAt = async (kind: string, id: string, name: string): Promise<number | undefined> => {
  const { timers } = deployment.keys.partition(partitionOf(kind, id, deployment.partitions))
  const score = await deployment.redis.zscore(timers, `${kind}:${id}:${name}`)
  return score === null ? undefined : Number(score)
}

const createTask = async (capability: string, spec: { timeoutS?: number; maxAttempts?: number } = {}) => {
  const id = randomUUID()
  await deployment.append({
    kind: "task",
    id,
    type: "CREATE",
    payload: { id, title: "timed", capability, dependsOn: [], blocked: false, ...spec },
  })
  return id
}

describe("durable timers", () => {
  it("fires a deadline its worker armed when it falls due, with a periodic look far away", async () => {
    // The periodic look is a minute off: only the wake the batch set at the deadline can fire it in time.
    await deployment.startRuntime({ ...QUICK, timerTickMs: 60_000 })
    const taskId = await createTask("timers-due", { timeoutS: 1, maxAttempts: 1 })
    await deployment.append({ kind: "task", id: taskId, type: "ASSIGN", payload: { agentId: randomUUID() } })
    const assigned = await deployment.actor("task", taskId, (row) => row.state === "assigned")
    const deadline = contextOf<{ deadlineAt: number }>(assigned).deadlineAt

    const timedOut = await deployment.actor("task", taskId, (row) => row.state === "timed_out", 10_000)
    const finishedAt = contextOf<{ finishedAt: number }>(timedOut).finishedAt
    expect(finishedAt).toBeGreaterThanOrEqual(deadline)
    expect(finishedAt - deadline).toBeLessThan(5_000)
    expect((await deployment.transitions("task", taskId)).map((t) => t.event)).toEqual(["CREATE", "ASSIGN", "DEADLINE"])
  })

  it("times a task on its last attempt out after a restart when its deadline passed while no runtime ran", async () => {
    const runtime = await deployment.startRuntime()
    const agentId = randomUUID()
    const taskId = await createTask("timers-deadline", { timeoutS: 1, maxAttempts: 1 })
    await deployment.append({ kind: "task", id: taskId, type: "ASSIGN", payload: { agentId } })
    const assigned = await deployment.actor("task", taskId, (row) => row.state === "assigned")
    await runtime.stop()

    const deadline = contextOf<{ deadlineAt: number }>(assigned).deadlineAt
    expect(await timerAt("task", taskId, "deadline")).toBe(deadline)
    await redisClockPast(deployment.redis, deadline)
    expect((await deployment.actor("task", taskId)).state).toBe("assigned")

    await deployment.startRuntime()
    const timedOut = await deployment.actor("task", taskId, (row) => row.state === "timed_out")
    expect(contextOf<{ finishedAt: number }>(timedOut).finishedAt).toBeGreaterThanOrEqual(deadline)
    expect((await deployment.transitions("task", taskId)).map((t) => t.event)).toEqual(["CREATE", "ASSIGN", "DEADLINE"])
    expect(await timerAt("task", taskId, "deadline")).toBeUndefined()
  })

  it("makes a failed task ready again after a restart when its retry backoff passed while no runtime ran", async () => {
    const runtime = await deployment.startRuntime()
    const agentId = randomUUID()
    const taskId = await createTask("timers-retry", { timeoutS: 60, maxAttempts: 3 })
    for (const [type, payload] of [
      ["ASSIGN", { agentId }],
      ["START", { agentId }],
      ["FAIL", { agentId, error: "flaky" }],
    ] as const) {
      await deployment.append({ kind: "task", id: taskId, type, payload })
    }
    const waiting = await deployment.actor("task", taskId, (row) => row.state === "retry_wait")
    await runtime.stop()

    const retryAt = contextOf<{ retryAt: number }>(waiting).retryAt
    expect(await timerAt("task", taskId, "retry")).toBe(retryAt)
    await redisClockPast(deployment.redis, retryAt)
    expect((await deployment.actor("task", taskId)).state).toBe("retry_wait")

    await deployment.startRuntime()
    const ready = await deployment.actor("task", taskId, (row) => row.state === "ready")
    expect(contextOf<{ attempt: number; error: string; agentId: string | null }>(ready)).toMatchObject({
      attempt: 1,
      error: "flaky",
      agentId: null,
    })
    expect((await deployment.transitions("task", taskId)).map((t) => t.event)).toEqual(["CREATE", "ASSIGN", "START", "FAIL", "RETRY_DUE"])
  })

  it("takes an agent whose heartbeats stopped offline after a restart, and gives its task back", async () => {
    const runtime = await deployment.startRuntime()
    const agentId = randomUUID()
    const capability = "timers-heartbeat"
    await deployment.append({
      kind: "agent",
      id: agentId,
      type: "CREATE",
      payload: { id: agentId, name: "sleepy", capabilities: [capability], heartbeatIntervalMs: 500 },
    })
    await deployment.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {} })
    await deployment.actor("agent", agentId, (row) => row.state === "online")
    const taskId = await createTask(capability)
    await deployment.actor("task", taskId, (row) => row.state === "assigned" && row.agentId === agentId)
    // Its slot was given straight to the task by the wake (it hears of it at its next RELEASE): still online as it
    // counts; a slot it reserved itself (its fill took the task) would make it busy.
    const holding = await deployment.actor("agent", agentId)
    expect(["online", "busy"]).toContain(holding.state)
    await runtime.stop()

    // Three missed intervals after the last heartbeat (CONNECT).
    const expiry = contextOf<{ lastHeartbeatAt: number }>(holding).lastHeartbeatAt + 1_500
    expect(await timerAt("agent", agentId, "heartbeat")).toBe(expiry)
    await redisClockPast(deployment.redis, expiry)
    expect((await deployment.actor("agent", agentId)).state).toBe(holding.state)

    await deployment.startRuntime()
    const offline = await deployment.actor("agent", agentId, (row) => row.state === "offline")
    expect(contextOf<{ inflight: string[] }>(offline).inflight).toEqual([])
    const task = await deployment.actor("task", taskId, (row) => row.state === "ready")
    expect(task.agentId).toBeNull()
    expect((await deployment.transitions("task", taskId)).map((t) => t.event)).toEqual(["CREATE", "ASSIGN", "AGENT_LOST"])
  })
})
