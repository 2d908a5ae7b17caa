// An idle agent's first task without the RESERVE hop: an agent whose fill named its slots (its free ones kept exactly by
// the router, `fr`) is woken for a new ready task by giving a free slot straight to it (ASSIGN appended to the task,
// GIVEN to the agent beside it, off the task's way), the router recording the slot (`v:<task>`) as it records a
// transferred one. The agent counts it from its GIVEN (its load, `busy`, the agents page); a loss or drain reaches the
// tasks holding such slots; a redelivered entry gives its task again to the same agent (the decision kept under its
// command id), its ASSIGN and GIVEN deduplicated.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest"
import { givenSlots, keptFree, routeBatch, waitingFor } from "../../../src/redis/ready-queue.ts"
import { finishBatch } from "../../../src/runtime/execute-batch.ts"
import type { OutboxItem } from "../../../src/runtime/outbox.ts"
import { inboxPayloads, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { agentOf, appliedEvents, connectedAgent, outboxPlan, createTask, idleAgent, type Row } from "../../support/slots.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
  await d.startRuntime()
})
afterAll(() => d.close())

type AgentCounts = { inflight: string[]; successes: number; failures: number; load: number }
const agentContext = (row: Row): AgentCounts => (row.snapshot as { context: AgentCounts }).context

const assignedTo = (agentId: string) => (row: Row) => row.state === "assigned" && agentOf(row) === agentId

describe("an idle agent's first task given straight by the wake", () => {
  it("assigns the task without a RESERVE, and the agent counts the slot from the GIVEN beside the ASSIGN", async () => {
    const capability = `given-${randomUUID().slice(0, 8)}`
    const agentId = await idleAgent(d, capability, 1)
    const task = randomUUID()
    await createTask(d, task, capability)
    await d.actor("task", task, assignedTo(agentId))
    expect(await appliedEvents(d, "task", task)).toEqual(["CREATE", "ASSIGN"])
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([task])
    expect(await keptFree(d.redis, d.keys, agentId)).toBe(0)
    // No RESERVE: the agent applied the GIVEN, and holds the slot (full: busy) while the task holds it.
    const holding = await d.actor("agent", agentId, (row) => row.state === "busy")
    expect(agentContext(holding)).toMatchObject({ inflight: [task], load: 1 })
    expect(await appliedEvents(d, "agent", agentId)).toEqual(["CREATE", "CONNECT", "GIVEN"])
    // Completed with nothing waiting: one RELEASE frees the slot; the agent's counts exact, idle again.
    await d.append({ kind: "task", id: task, type: "START", payload: { agentId } })
    await d.append({ kind: "task", id: task, type: "COMPLETE", payload: { agentId } })
    const agent = await d.actor("agent", agentId, (row) => agentContext(row).successes === 1)
    expect(agent.state).toBe("online")
    expect(agentContext(agent)).toMatchObject({ inflight: [], successes: 1, failures: 0, load: 0 })
    expect(await appliedEvents(d, "agent", agentId)).toEqual(["CREATE", "CONNECT", "GIVEN", "RELEASE"])
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([])
    // Its RELEASE appended, the released slot no longer counts on its way (`x:`): the agent's next fill keeps it free.
    await waitFor("its free slot kept again", async () => ((await keptFree(d.redis, d.keys, agentId)) === 1 ? true : undefined))
    const record = await d.redis.hkeys(`${d.keys.route}:slots:${agentId}`)
    expect(record.filter((field) => field.startsWith("x:"))).toEqual([])
  }, 30_000)

  it("a capacity-2 agent gets two tasks from wakes and the third waits; a failure's RELEASE takes it as the next", async () => {
    const capability = `given2-${randomUUID().slice(0, 8)}`
    const agentId = await idleAgent(d, capability, 2)
    const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()] as const
    await createTask(d, t1, capability)
    await d.actor("task", t1, assignedTo(agentId))
    await createTask(d, t2, capability)
    await d.actor("task", t2, assignedTo(agentId))
    await createTask(d, t3, capability)
    // The third is queued: its wake found no free slot (queueing and waking are one script call).
    await waitFor("the third queued", async () => ((await waitingFor(d.redis, d.keys, capability)).includes(t3) ? true : undefined))
    expect((await d.actor("task", t3)).state).toBe("ready")
    expect(await keptFree(d.redis, d.keys, agentId)).toBe(0)
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([t1, t2])
    const full = await d.actor("agent", agentId, (row) => agentContext(row).inflight.length === 2)
    expect(full.state).toBe("busy")
    expect(agentContext(full).inflight).toEqual([t1, t2])
    expect(await appliedEvents(d, "agent", agentId)).not.toContain("RESERVE")
    // t1 fails: no transfer for a failure, so its RELEASE frees t1's slot, with t3 as its next task (reserved in the
    // same step): it holds t2 and t3, exactly, and is busy.
    await d.append({ kind: "task", id: t1, type: "START", payload: { agentId } })
    await d.append({ kind: "task", id: t1, type: "FAIL", payload: { agentId, error: "no" } })
    const agent = await d.actor("agent", agentId, (row) => agentContext(row).failures === 1)
    expect(agentContext(agent).inflight.sort()).toEqual([t2, t3].sort())
    expect(agent.state).toBe("busy")
    await d.actor("task", t3, assignedTo(agentId))
    // The router knows t2's slot as given; t3's is the agent's own (reserved by the RELEASE).
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([t2])
    // Both complete, nothing waits: each slot back by RELEASE; idle, exact.
    for (const task of [t2, t3]) {
      await d.append({ kind: "task", id: task, type: "START", payload: { agentId } })
      await d.append({ kind: "task", id: task, type: "COMPLETE", payload: { agentId } })
    }
    const idle = await d.actor("agent", agentId, (row) => agentContext(row).successes === 2 && agentContext(row).inflight.length === 0)
    expect(idle.state).toBe("online")
    expect(agentContext(idle)).toMatchObject({ successes: 2, failures: 1, load: 0 })
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([])
    await waitFor("both its slots kept free again", async () => ((await keptFree(d.redis, d.keys, agentId)) === 2 ? true : undefined))
  }, 30_000)

  it("a lost agent's given slot reaches the task holding it, which goes back to ready", async () => {
    const capability = `givenlost-${randomUUID().slice(0, 8)}`
    const agentId = await idleAgent(d, capability, 1)
    const task = randomUUID()
    await createTask(d, task, capability)
    await d.actor("task", task, assignedTo(agentId))
    await d.actor("agent", agentId, (row) => agentContext(row).inflight.includes(task))
    await d.append({ kind: "agent", id: agentId, type: "DEREGISTER", payload: {} })
    const back = await d.actor("task", task, (row) => row.state === "ready")
    expect(agentOf(back)).toBeNull()
    expect(await appliedEvents(d, "task", task)).toContain("AGENT_LOST")
    // Forgotten with the agent's record; the agent gets no transfer nor give any more.
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([])
    expect(await keptFree(d.redis, d.keys, agentId)).toBeNull()
  }, 30_000)

  it("a draining agent's given slot reaches its task: not started, it goes back to ready and the slot to the agent", async () => {
    const capability = `givendrain-${randomUUID().slice(0, 8)}`
    const agentId = await idleAgent(d, capability, 2)
    const task = randomUUID()
    await createTask(d, task, capability)
    await d.actor("task", task, assignedTo(agentId))
    await d.append({ kind: "agent", id: agentId, type: "DRAIN", payload: {} })
    await d.actor("task", task, (row) => row.state === "ready" && agentOf(row) === null)
    expect(await appliedEvents(d, "task", task)).toContain("AGENT_DRAINING")
    // The RELEASE gives the slot back (told: it frees it whether or not its GIVEN came first): it holds nothing, draining.
    const drained = await d.actor("agent", agentId, (row) => row.state === "draining")
    expect(drained.state).toBe("draining")
    await waitFor("the slot back with the agent", async () =>
      (await appliedEvents(d, "agent", agentId)).includes("RELEASE") ? true : undefined,
    )
    expect(agentContext(await d.actor("agent", agentId)).inflight).toEqual([])
    expect(await givenSlots(d.redis, d.keys, agentId)).toEqual([])
  }, 30_000)

  it("a task that hears of its agent's drain before the ASSIGN decided for it refuses that ASSIGN and runs on another agent", async () => {
    // The order a routing call's ASSIGN appended late (a slow carrying out, a takeover's replay) leaves in the task's
    // inbox: the router resolved the agent's slot to the task, so the agent's leaving reached it first.
    const capability = `givenlate-${randomUUID().slice(0, 8)}`
    const leaving = await connectedAgent(d, `elsewhere-${capability}`, 1)
    await d.append({ kind: "agent", id: leaving, type: "DRAIN", payload: {} })
    await d.actor("agent", leaving, (row) => row.state === "draining")
    const task = randomUUID()
    await createTask(d, task, capability)
    await d.actor("task", task, (row) => row.state === "ready")
    await d.append({ kind: "task", id: task, type: "AGENT_DRAINING", payload: { agentId: leaving } })
    await d.append({ kind: "task", id: task, type: "ASSIGN", payload: { agentId: leaving } })
    await waitFor("the late ASSIGN applied", async () =>
      (await appliedEvents(d, "task", task)).filter((event) => event === "ASSIGN").length === 1 ? true : undefined,
    )
    const refused = await d.actor("task", task)
    expect([refused.state, agentOf(refused)]).toEqual(["ready", null])
    // Routed again: the next agent of its capability runs it (not held until its deadline by one that never will).
    const next = await connectedAgent(d, capability, 1)
    await d.actor("task", task, assignedTo(next))
    expect(await appliedEvents(d, "task", task)).toEqual(["CREATE", "AGENT_DRAINING", "ASSIGN", "ASSIGN"])
    expect(agentContext(await d.actor("agent", leaving)).inflight).toEqual([])
  }, 30_000)

  it("a redelivered entry gives its task to the same agent again: one ASSIGN, nothing queued, no second agent's slot", async () => {
    // A deployment of its own, with no runtime reading what the batch appends.
    const d = await testDeployment()
    onTestFinished(() => d.close())
    const capability = `givenreplay-${randomUUID().slice(0, 8)}`
    const [agentA, agentB] = [randomUUID(), randomUUID()]
    // Both idle with one free slot each, kept exactly (their fills named what they hold: nothing).
    await routeBatch(d.redis, d.keys, {
      releases: [],
      fills: [
        { agentId: agentA, capabilities: [capability], free: 1, score: 0.9, held: [] },
        { agentId: agentB, capabilities: [capability], free: 1, score: 0.1, held: [] },
      ],
      tasks: [],
      wakeAgents: 0,
    })
    const task = randomUUID()
    const created: OutboxItem = {
      _tag: "route_task",
      taskId: task,
      capability,
      priority: 2,
      since: 1_000,
      entryId: "7-0",
      cmdId: "0/7-0/0",
    }
    const plan = (replayed: ReadonlySet<string>) => outboxPlan([created], replayed)
    await finishBatch(d.batchIo(), 0, plan(new Set()))
    // The best-ranked agent took it, straight: ASSIGN to the task, GIVEN to that agent, nothing to the other.
    const told = [{ task_ids: [task] }]
    expect(await inboxPayloads(d, "task", task, "ASSIGN")).toEqual([{ agent_id: agentA }])
    expect(await inboxPayloads(d, "agent", agentA, "GIVEN")).toEqual(told)
    expect(await givenSlots(d.redis, d.keys, agentA)).toEqual([task])
    // Redelivered: the kept decision answers again (its ASSIGN and GIVEN deduplicated away); not queued, B not woken.
    await finishBatch(d.batchIo(), 0, plan(new Set(["7-0"])))
    expect(await inboxPayloads(d, "task", task, "ASSIGN")).toEqual([{ agent_id: agentA }])
    expect(await inboxPayloads(d, "agent", agentA, "GIVEN")).toEqual(told)
    expect(await inboxPayloads(d, "agent", agentB, "GIVEN")).toEqual([])
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual([])
    expect(await givenSlots(d.redis, d.keys, agentB)).toEqual([])
    expect(await keptFree(d.redis, d.keys, agentA)).toBe(0)
    expect(await keptFree(d.redis, d.keys, agentB)).toBe(1)
    for (const agentId of [agentA, agentB]) {
      expect(await inboxPayloads(d, "agent", agentId, "RESERVE")).toEqual([])
      expect(await inboxPayloads(d, "agent", agentId, "RELEASE")).toEqual([])
    }
  })

  it("a redelivered batch tells each kept slot once, whatever order its wake first gave them in", async () => {
    // A deployment of its own, with no runtime reading what the batch appends.
    const d = await testDeployment()
    onTestFinished(() => d.close())
    const capability = `givenorder-${randomUUID().slice(0, 8)}`
    const agentId = randomUUID()
    await routeBatch(d.redis, d.keys, {
      releases: [],
      fills: [{ agentId, capabilities: [capability], free: 2, score: 0.5, held: [] }],
      tasks: [],
      wakeAgents: 0,
    })
    // Two tasks of one batch: the wake takes the more urgent second one first; a redelivery answers its kept
    // decisions in the batch's order.
    const [first, second] = [randomUUID(), randomUUID()]
    const route = (taskId: string, priority: number, n: number): OutboxItem => ({
      _tag: "route_task",
      taskId,
      capability,
      priority,
      since: 1_000,
      entryId: `7-${n}`,
      cmdId: `0/7-${n}/0`,
    })
    const plan = (replayed: ReadonlySet<string>) => outboxPlan([route(first, 3, 0), route(second, 0, 1)], replayed)
    await finishBatch(d.batchIo(), 0, plan(new Set()))
    const told = async () => (await inboxPayloads(d, "agent", agentId, "GIVEN")).flatMap((given) => given["task_ids"] as string[])
    expect((await told()).sort()).toEqual([first, second].sort())
    await finishBatch(d.batchIo(), 0, plan(new Set(["7-0", "7-1"])))
    // Each slot told once: a second tell of a slot the agent may have freed meanwhile would be counted again.
    expect((await told()).sort()).toEqual([first, second].sort())
    expect(await givenSlots(d.redis, d.keys, agentId)).toHaveLength(2)
    expect(await keptFree(d.redis, d.keys, agentId)).toBe(0)
  })
})
