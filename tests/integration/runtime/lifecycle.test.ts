// The basic lifecycle between actors, through the streams: a ready task is assigned to an
// online agent with the capability, runs, completes and frees the capacity; a task with no
// capable agent waits until one comes online; a session runs its DAG to completion (its tasks tell
// each other), cancels the dependants of a task that failed for good and runs them again after RETRY.
import { keptFree, waitingFor } from "../../../src/redis/ready-queue.ts"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../machines/task-ids.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
  await deployment.startRuntime()
})
afterAll(() => deployment.close())

const registerAgent = async (capabilities: string[], maxConcurrency = 1) => {
  const id = randomUUID()
  await deployment.append({
    kind: "agent",
    id,
    type: "CREATE",
    payload: { id, name: `bot-${id.slice(0, 4)}`, capabilities, maxConcurrency },
  })
  await deployment.append({ kind: "agent", id, type: "CONNECT", payload: {} })
  // Online, or busy already if waiting work reached it first.
  await deployment.actor("agent", id, (agent) => agent.state === "online" || agent.state === "busy")
  return id
}

const createTask = async (capability: string) => {
  const id = randomUUID()
  await deployment.append({
    kind: "task",
    id,
    type: "CREATE",
    payload: { id, title: `task ${id.slice(0, 4)}`, capability, dependsOn: [], blocked: false },
  })
  return id
}

/**
 * Creates a session of two tasks of `capability`, the second waiting for the first; answers its id and
 * its tasks' ids (the session derives them from its own id and each task's index).
 */
const createSession = async (capability: string, options: { maxAttempts: number; start?: boolean }) => {
  const sessionId = randomUUID()
  const [first, second] = [sessionTaskId(sessionId, 0), sessionTaskId(sessionId, 1)]
  const spec = { payload: {}, timeoutS: 60, maxAttempts: options.maxAttempts, priority: 2 }
  await deployment.append({
    kind: "session",
    id: sessionId,
    type: "CREATE",
    payload: {
      id: sessionId,
      title: "release",
      ...(options.start === undefined ? {} : { start: options.start }),
      tasks: [
        { id: first, key: "build", title: "build", capability, dependsOn: [], spec },
        { id: second, key: "ship", title: "ship", capability, dependsOn: [first], spec },
      ],
    },
  })
  return { sessionId, first, second }
}

/** The tasks waiting in a capability's ready queue (Redis), which the router takes from when an agent frees. */
const queued = (capability: string) => waitingFor(deployment.redis, deployment.keys, capability)

const runTask = async (taskId: string, agentId: string) => {
  await deployment.append({ kind: "task", id: taskId, type: "START", payload: { agentId } })
  await deployment.append({ kind: "task", id: taskId, type: "COMPLETE", payload: { agentId, result: { ok: true } } })
  return deployment.actor("task", taskId, (task) => task.state === "completed")
}

/** Runs a started session of createSession: the dependant waits until its dependency completed; answers the completed session. */
const runSession = async (session: { sessionId: string; first: string; second: string }, agentId: string) => {
  await deployment.actor("task", session.first, (task) => task.state === "assigned")
  expect((await deployment.actor("task", session.second)).state).toBe("blocked")
  await runTask(session.first, agentId)
  await deployment.actor("task", session.second, (task) => task.state === "assigned")
  await runTask(session.second, agentId)
  return deployment.actor("session", session.sessionId, (row) => row.state === "completed")
}

describe("runtime lifecycle", () => {
  it("assigns a ready task to an online agent with the capability, and frees the capacity on completion", async () => {
    const agentId = await registerAgent(["lint"])
    const taskId = await createTask("lint")
    const assigned = await deployment.actor("task", taskId, (task) => task.state === "assigned")
    expect(assigned.agentId).toBe(agentId)
    // Its one slot is taken: given straight by the wake, the router keeps none free for it (the agent hears of the slot
    // at its RELEASE); a slot it had reserved itself (its fill took the task) is counted by its own row.
    const router = await keptFree(deployment.redis, deployment.keys, agentId)
    const own = await deployment.actor("agent", agentId)
    expect(router === 0 || own.freeCapacity === 0).toBe(true)
    await runTask(taskId, agentId)
    const successes = (row: { snapshot: unknown }) => (row.snapshot as { context: { successes: number } }).context.successes
    const agent = await deployment.actor("agent", agentId, (row) => successes(row) === 1)
    expect(agent.freeCapacity).toBe(1)
  })

  it("keeps a task with no capable agent ready, and assigns it when one comes online", async () => {
    const taskId = await createTask("translate")
    await deployment.actor("task", taskId, (task) => task.state === "ready")
    // The router looked for a translator, found none, and parked the task in its capability's queue.
    await waitFor("the task queued for a translator", async () => ((await queued("translate")).includes(taskId) ? true : undefined))
    expect((await deployment.actor("task", taskId)).state).toBe("ready")
    const agentId = await registerAgent(["translate"])
    const assigned = await deployment.actor("task", taskId, (task) => task.state === "assigned")
    expect(assigned.agentId).toBe(agentId)
  })

  it("never reserves more than an agent's capacity, and hands out the rest as capacity frees", async () => {
    const agentId = await registerAgent(["resize"], 2)
    const tasks = await Promise.all(Array.from({ length: 5 }, () => createTask("resize")))
    // Settled: the two it holds are assigned and the router parked the other three, waiting for capacity.
    await waitFor("two tasks assigned and three queued for capacity", async () => {
      const [waiting, states] = await Promise.all([queued("resize"), Promise.all(tasks.map((id) => deployment.actor("task", id)))])
      const assigned = states.filter((task) => task.state === "assigned")
      expect(assigned.length).toBeLessThanOrEqual(2)
      return assigned.length === 2 && waiting.length === 3 ? true : undefined
    })
    const assignedNow = async () =>
      (await Promise.all(tasks.map((id) => deployment.actor("task", id)))).filter((task) => task.state === "assigned")
    for (let remaining = 5; remaining > 0; ) {
      // Each round: exactly as many assigned as capacity allows, never more.
      const expected = Math.min(2, remaining)
      const assigned = await waitFor("assignments", async () => {
        const now = await assignedNow()
        expect(now.length).toBeLessThanOrEqual(2)
        return now.length === expected ? now : undefined
      })
      await Promise.all(assigned.map((task) => runTask(task.id, agentId)))
      remaining -= assigned.length
    }
    const final = await Promise.all(tasks.map((id) => deployment.actor("task", id)))
    expect(final.every((task) => task.state === "completed")).toBe(true)
  })

  it("runs a session's DAG: the dependant task waits for its dependency, and the session completes", async () => {
    const agentId = await registerAgent(["build"])
    const created = await createSession("build", { maxAttempts: 2 })
    expect((await deployment.actor("task", created.second)).state).toBe("blocked")
    await deployment.append({ kind: "session", id: created.sessionId, type: "START", payload: {} })
    const session = await runSession(created, agentId)
    expect(session.state).toBe("completed")
  })

  it("runs a session created with start: true; a lost task cancels its dependant, and RETRY with START runs both again", async () => {
    const agentId = await registerAgent(["fragile"])
    const { sessionId, first, second } = await createSession("fragile", { maxAttempts: 1, start: true })
    await deployment.actor("task", first, (task) => task.state === "assigned")
    await deployment.append({ kind: "task", id: first, type: "START", payload: { agentId } })
    await deployment.append({ kind: "task", id: first, type: "FAIL", payload: { agentId, error: "flaky" } })
    const cancelled = await deployment.actor("task", second, (task) => task.state === "cancelled")
    expect((cancelled.snapshot as { context: { cancelReason: string } }).context.cancelReason).toBe(`dependency ${first} failed`)
    const failed = await deployment.actor("session", sessionId, (row) => row.state === "failed")
    expect((failed.snapshot as { context: { metrics: { tasks: object } } }).context.metrics.tasks).toMatchObject({
      failed: 1,
      cancelled: 1,
    })

    await deployment.append({ kind: "session", id: sessionId, type: "RETRY", payload: {} })
    await deployment.append({ kind: "session", id: sessionId, type: "START", payload: {} })
    const session = await runSession({ sessionId, first, second }, agentId)
    expect((session.snapshot as { context: { metrics: { tasks: object } } }).context.metrics.tasks).toMatchObject({
      completed: 2,
      failed: 0,
      cancelled: 0,
    })
  })
})
