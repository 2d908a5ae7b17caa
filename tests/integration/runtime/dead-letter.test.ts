// Nothing unchecked gets in, nothing is dropped silently: a malformed raw inbox entry is moved
// to its partition's dead-letter stream with the reason and the exact fields it carried, and
// the runtime carries on applying the entries after it.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Runtime } from "../../../src/runtime/runtime.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
let runtime: Runtime
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
  runtime = await deployment.startRuntime()
})
afterAll(() => deployment.close())

const xadd = (inbox: string, fields: Record<string, string>) =>
  deployment.redis.xadd(inbox, "*", ...Object.entries(fields).flat()) as Promise<string>

describe("dead letters", () => {
  it("moves malformed raw entries to the dead-letter stream with their reason and fields, and applies the rest", async () => {
    const partition = 1
    const { inbox, dead } = deployment.keys.partition(partition)
    const taskId = deployment.idIn("task", partition)
    const agentId = randomUUID()
    const actor = `task:${taskId}`
    const create = { id: taskId, title: "survivor", capability: "dead-letter", depends_on: [], blocked: false }

    const createId = await xadd(inbox, { type: "CREATE", actor, payload: JSON.stringify(create) })
    const malformed: Array<{ fields: Record<string, string>; reason: RegExp }> = [
      { fields: { type: "ASSIGN", actor, payload: "{not json" }, reason: /^payload: invalid JSON$/ },
      { fields: { type: "EXPLODE", actor, payload: "{}" }, reason: /^type: expected one of "CREATE", .*got "EXPLODE"$/ },
      { fields: { type: "ASSIGN", actor: `robot:${taskId}`, payload: "{}" }, reason: /^actor: expected an actor reference/ },
      { fields: { type: "ASSIGN", actor: "task:not-a-uuid", payload: "{}" }, reason: /^actor: expected an actor reference/ },
      { fields: { actor, payload: JSON.stringify({ agent_id: agentId }) }, reason: /^type: is missing$/ },
      { fields: { type: "ASSIGN", actor, payload: JSON.stringify({ agent_id: 42 }) }, reason: /^payload\.agent_id: / },
      // Raw payloads are snake_case as on HTTP: a camelCase field is unknown, as is a typo.
      { fields: { type: "ASSIGN", actor, payload: JSON.stringify({ agentId }) }, reason: /^payload\.agentId: unknown field$/ },
      {
        fields: { type: "CANCEL", actor, payload: JSON.stringify({ reason: "x", timeout: 5 }) },
        reason: /^payload\.timeout: unknown field$/,
      },
      {
        fields: { type: "CANCEL", actor, payload: JSON.stringify({ reason: "a\u0000b" }) },
        reason: /^payload\.reason: holds a NUL character/,
      },
    ]
    const malformedIds: string[] = []
    for (const { fields } of malformed) malformedIds.push(await xadd(inbox, fields))
    const assignId = await xadd(inbox, { type: "ASSIGN", actor, payload: JSON.stringify({ agent_id: agentId }) })

    // The entries around the malformed ones are applied, in order.
    const task = await deployment.actor("task", taskId, (row) => row.state === "assigned")
    expect(task.agentId).toBe(agentId)
    expect((await deployment.transitions("task", taskId)).map((t) => [t.event, t.streamId])).toEqual([
      ["CREATE", createId],
      ["ASSIGN", assignId],
    ])

    const letters = await waitFor("the dead letters", async () => {
      const entries = await deployment.redis.xrange(dead, "-", "+")
      return entries.length === malformed.length ? entries : undefined
    })
    expect(
      letters.map(([, flat]) => {
        const fields = Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : [])))
        return { source: fields["source"], fields: JSON.parse(String(fields["fields"])), reason: fields["reason"] }
      }),
    ).toEqual(malformed.map(({ fields, reason }, i) => ({ source: malformedIds[i], fields, reason: expect.stringMatching(reason) })))

    // They left the inbox and its pending list, and so did the applied entries once acknowledged
    // (Redis keeps only what is live); the process stays up and ready.
    await waitFor("nothing pending", async () => ((await deployment.redis.xpending(inbox, "runtime")) as [number])[0] === 0 || undefined)
    expect(await deployment.redis.xrange(inbox, "-", "+")).toEqual([])
    // Counted once the batch's acknowledgement has returned to the runtime (Redis shows it a moment before).
    await waitFor("the dead letters counted", async () => runtime.stats.deadLettered === malformed.length || undefined)
    expect(await runtime.readiness()).toMatchObject({ ready: true, failing: {} })
  })
})
