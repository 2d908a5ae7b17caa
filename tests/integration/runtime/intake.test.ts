// The producer's side of gifts at intake (src/runtime/intake.ts): one turn's standalone CREATEs are given the idle
// agents' kept free slots in one call and appended with the gift; each agent's GIVEN follows, naming only the tasks
// whose CREATE was appended (never one that was not: it would hold the slot for good); other commands pass straight.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AppendExpired } from "../../../src/redis/scripts.ts"
import { routeBatch } from "../../../src/redis/ready-queue.ts"
import type { Appended, AppendFn, AppendInput } from "../../../src/runtime/append.ts"
import { withIntakeGifts } from "../../../src/runtime/intake.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let d: TestDeployment
beforeAll(async () => {
  d = await testDeployment()
})
afterAll(() => d.close())

/** An agent idle for `capability` with `free` slots the router keeps exactly. */
const idleAgent = async (capability: string, free: number): Promise<string> => {
  const agentId = randomUUID()
  await routeBatch(d.redis, d.keys, {
    releases: [],
    fills: [{ agentId, capabilities: [capability], free, score: 1, held: [] }],
    tasks: [],
    wakeAgents: 64,
  })
  return agentId
}
const create = (capability: string, extra: Record<string, unknown> = {}): AppendInput => {
  const id = randomUUID()
  return { kind: "task", id, type: "CREATE", payload: { id, title: "t", capability, dependsOn: [], blocked: false, ...extra } }
}

/** The deployment's append, recording what it is given; `refuse`: CREATEs of those task ids expire instead. */
const recording = (refuse: ReadonlySet<string> = new Set()) => {
  const sent: AppendInput[] = []
  const outcomes: Array<Promise<Appended>> = []
  const append: AppendFn = (command) => {
    sent.push(command)
    const outcome = refuse.has(command.id) ? Promise.reject(new AppendExpired("expired")) : d.append(command)
    outcomes.push(outcome)
    return outcome
  }
  return { sent, outcomes, append: withIntakeGifts(append, d) }
}

describe("gifts at intake, the producer's side", () => {
  it("appends each given CREATE with its gift, then one GIVEN to its agent naming them", async () => {
    const agentId = await idleAgent("in-code", 2)
    const { sent, append } = recording()
    const commands = [create("in-code"), create("in-code"), create("in-code")]
    await Promise.all(commands.map(append))
    const given = await waitFor("the GIVEN appended", async () => sent.find((command) => command.type === "GIVEN"))
    expect(sent.slice(0, 3).map((command) => command.payload["givenTo"])).toEqual([agentId, agentId, undefined])
    expect(given).toMatchObject({ kind: "agent", id: agentId, payload: { taskIds: [commands[0]!.id, commands[1]!.id] } })
  })

  it("the GIVEN carries a command id: the same GIVEN resent (its answer lost to a dropped connection) is appended once", async () => {
    const agentId = await idleAgent("in-resent", 1)
    const { sent, outcomes, append } = recording()
    const command = create("in-resent")
    await append(command)
    const given = await waitFor("the GIVEN appended", async () => sent.find((one) => one.type === "GIVEN"))
    expect(given).toMatchObject({ id: agentId, cmdId: `${command.id}/given-at-intake` })
    expect(await outcomes[sent.indexOf(given)]).toMatchObject({ duplicate: false })
    expect(await d.append(given)).toMatchObject({ duplicate: true })
  })

  it("a CREATE whose append expired is not told to its agent; the others given with it are", async () => {
    const agentId = await idleAgent("in-expired", 2)
    const commands = [create("in-expired"), create("in-expired")]
    const { sent, append } = recording(new Set([commands[0]!.id]))
    const outcomes = await Promise.allSettled(commands.map(append))
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "fulfilled"])
    const given = await waitFor("the GIVEN appended", async () => sent.find((command) => command.type === "GIVEN"))
    expect(given).toMatchObject({ id: agentId, payload: { taskIds: [commands[1]!.id] } })
  })

  it("a CREATE with a command id, a group or an approval to wait for passes straight, not given", async () => {
    await idleAgent("in-plain", 3)
    const { sent, append } = recording()
    await Promise.all(
      [
        { ...create("in-plain"), cmdId: "repeatable" },
        create("in-plain", { group: "tenant" }),
        create("in-plain", { requiresApproval: true }),
      ].map(append),
    )
    expect(sent.map((command) => [command.type, command.payload["givenTo"]])).toEqual([
      ["CREATE", undefined],
      ["CREATE", undefined],
      ["CREATE", undefined],
    ])
  })
})
