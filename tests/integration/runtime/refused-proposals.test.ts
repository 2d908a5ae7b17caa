// A proposal (RESERVE) its agent refused stops counting against the agent's free slots as soon as the refusal is
// routed: the router forgets it (`p:<task>` in the agent's routing record) while it puts the task back in its queue.
// Before, it counted until the hold (15 s by default), so a bot whose socket dropped for a moment came back with its
// slots held back by the proposals it had refused while away.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitingFor } from "../../../src/redis/ready-queue.ts"
import { compareStreamIds } from "../../../src/redis/stream-id.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { agentOf, appliedEvents, createTask } from "../../support/slots.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
  await d.startRuntime()
})
afterAll(() => d.close())

/** The proposals the router counts as on their way to `agentId` (not applied, not refused). */
const proposalsTo = async (agentId: string): Promise<string[]> =>
  (await d.redis.hkeys(`${d.keys.route}:slots:${agentId}`))
    .filter((field) => field.startsWith("p:"))
    .map((field) => field.slice(2))
    .sort()

describe("a proposal its agent refused", () => {
  it("no longer holds back the agent's slot: a bot that refused while its socket was down takes both slots when back", async () => {
    const capability = `refused-${randomUUID().slice(0, 8)}`
    const tasks = [randomUUID(), randomUUID()].sort()
    for (const task of tasks) await createTask(d, task, capability)
    for (const task of tasks) await d.actor("task", task, (row) => row.state === "ready")
    const agentId = randomUUID()
    await d.append({
      kind: "agent",
      id: agentId,
      type: "CREATE",
      payload: { id: agentId, name: "flaky", capabilities: [capability], maxConcurrency: 2 },
    })
    // Connected and dropped in one append: the fill its connection announces proposes both waiting tasks, and the
    // RESERVEs reach it offline, after the DISCONNECT.
    const [, dropped] = await Promise.all(
      d.appendEach([
        { kind: "agent", id: agentId, type: "CONNECT", payload: {}, cmdId: `${agentId}/c1` },
        { kind: "agent", id: agentId, type: "DISCONNECT", payload: {}, cmdId: `${agentId}/d1` },
      ]),
    )
    // A refusal changes nothing the agent records (no transition): its row's stream id passing the DISCONNECT's says
    // the proposals reached it, and their routing (after their append) wrote them down before.
    await d.actor("agent", agentId, (row) => compareStreamIds(row.streamId, dropped!.streamId) > 0)
    // Each refusal routed: the proposal no longer on its way to the agent, the task back in its queue.
    await waitFor("both refusals routed", async () => ((await proposalsTo(agentId)).length === 0 ? true : undefined))
    expect(await waitingFor(d.redis, d.keys, capability)).toEqual(tasks)
    // Back: its two free slots take both tasks at once (before, both refused proposals held them back for the hold).
    await d.append({ kind: "agent", id: agentId, type: "CONNECT", payload: {}, cmdId: `${agentId}/c2` })
    for (const task of tasks) {
      const assigned = await d.actor("task", task, (row) => row.state === "assigned")
      expect(agentOf(assigned)).toBe(agentId)
    }
    expect(await appliedEvents(d, "agent", agentId)).toEqual(["CREATE", "CONNECT", "DISCONNECT", "CONNECT", "RESERVE", "RESERVE"])
  }, 30_000)
})
