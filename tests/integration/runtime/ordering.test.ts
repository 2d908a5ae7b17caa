// Order per actor: the commands sent to one actor are applied in the order they entered its
// inbox, one after another with none skipped, whether they trickle in one at a time or arrive
// as large batches mixing many actors of every partition.
import { randomUUID } from "node:crypto"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 4 })
})
afterAll(() => deployment.close())
afterEach(() => deployment.stopAll())

interface Plan {
  readonly taskId: string
  /** The commands of the task, in the order they are appended. */
  readonly commands: ReadonlyArray<{ type: string; payload: Record<string, unknown> }>
}

/** A task that is created, assigned, started, reports `steps` increasing progresses and completes. */
const taskPlan = (taskId: string, steps: number): Plan => {
  const agentId = randomUUID()
  return {
    taskId,
    commands: [
      // A capability no agent has: the task is only ever moved by these commands.
      { type: "CREATE", payload: { id: taskId, title: "ordered", capability: "ordering", dependsOn: [], blocked: false } },
      { type: "ASSIGN", payload: { agentId } },
      { type: "START", payload: { agentId } },
      ...Array.from({ length: steps }, (_, i) => ({
        type: "PROGRESS",
        payload: { agentId, progress: (i + 1) / steps, message: `step ${i + 1}` },
      })),
      { type: "COMPLETE", payload: { agentId, result: { steps } } },
    ],
  }
}

const progressOf = (patch: Record<string, unknown>) => patch["progress"]

/** Every command became one transition, in append order; the events carry the progress in order. */
const expectAppliedInOrder = async (plan: Plan, streamIds: ReadonlyArray<string>, steps: number) => {
  const task = await deployment.actor("task", plan.taskId, (row) => row.state === "completed", 20_000)
  const context = (task.snapshot as { context: Record<string, unknown> }).context
  expect(context).toMatchObject({ progress: 1, progressMessage: `step ${steps}`, result: { steps } })

  const transitions = await deployment.transitions("task", plan.taskId)
  expect(transitions.map((t) => t.event)).toEqual(plan.commands.map((command) => command.type))
  expect(transitions.map((t) => t.streamId)).toEqual(streamIds)
  expect(task.version).toBe(plan.commands.length)

  // A batch is committed before the one ahead of it is carried out: its events may still be on their way.
  const published = await waitFor("the progress events", async () => {
    const events = (await deployment.events(plan.taskId)).filter((event) => event.event === "PROGRESS")
    return events.length >= steps ? events : undefined
  })
  expect(published.map((event) => progressOf(event.patch))).toEqual(Array.from({ length: steps }, (_, i) => (i + 1) / steps))
}

describe("order per actor", () => {
  it("applies a stream of commands to one actor one by one, in the order they were appended", async () => {
    await deployment.startRuntime(QUICK)
    const plan = taskPlan(randomUUID(), 120)
    const streamIds: string[] = []
    for (const { type, payload } of plan.commands) {
      streamIds.push((await deployment.append({ kind: "task", id: plan.taskId, type, payload })).streamId)
    }
    await expectAppliedInOrder(plan, streamIds, 120)
  })

  it("keeps every actor's order when a backlog of several actors per partition is applied in large batches", async () => {
    const steps = 60
    const perPartition = 4
    const plans = Array.from({ length: deployment.partitions * perPartition }, (_, i) =>
      taskPlan(deployment.idIn("task", i % deployment.partitions), steps),
    )
    // The backlog builds up with no runtime running, interleaving the actors command by command.
    const streamIds = new Map<string, string[]>(plans.map((plan) => [plan.taskId, []]))
    for (let step = 0; step < steps + 4; step += 1) {
      for (const plan of plans) {
        const command = plan.commands[step]
        if (!command) continue
        const appended = await deployment.append({ kind: "task", id: plan.taskId, ...command })
        streamIds.get(plan.taskId)?.push(appended.streamId)
      }
    }

    const batchSize = 100
    const runtime = await deployment.startRuntime({ ...QUICK, batchSize })
    for (const plan of plans) await expectAppliedInOrder(plan, streamIds.get(plan.taskId) ?? [], steps)
    // Each partition's backlog (4 × 64 entries) was applied as several large batches: at least two
    // per partition of more than 64 entries (the batch size histogram's bucket below 100).
    expect(runtime.owned()).toHaveLength(deployment.partitions)
    const { bounds, counts, count } = runtime.stats.batchSize.data()
    expect(count - (counts[bounds.indexOf(64)] ?? count)).toBeGreaterThanOrEqual(2 * deployment.partitions)
  })
})
