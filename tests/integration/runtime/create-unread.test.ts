// A creation is applied without reading the actor's row when the entry is new and the actor is not in
// memory; the commit checks that no row exists. A second creation of an actor that exists only in
// Postgres (here: created by a runtime that has since stopped) is then still refused `conflict`, and
// the stored actor keeps its state, version and snapshot, while a creation of a new actor in the same batch goes through.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
})
afterAll(() => deployment.close())

const creation = (id: string, title: string, replyTo?: string) => ({
  kind: "task",
  id,
  type: "CREATE",
  payload: { id, title, capability: "unread", dependsOn: [], blocked: false },
  ...(replyTo === undefined ? {} : { replyTo }),
})

const answerTo = async (edge: string): Promise<Record<string, unknown>> => {
  const [entry] = await waitFor(`the answer on ${edge}`, async () => {
    const entries = await deployment.redis.xrange(deployment.keys.replies(edge), "-", "+")
    return entries.length > 0 ? entries : undefined
  })
  const fields = Object.fromEntries(entry![1].flatMap((value, i, all) => (i % 2 === 0 ? [[value, all[i + 1]]] : [])))
  return JSON.parse(String(fields["body"])) as Record<string, unknown>
}

describe("a creation applied without reading the row", () => {
  it("still refuses an actor that exists only in Postgres, changing nothing of it", async () => {
    const id = randomUUID()
    const first = await deployment.startRuntime()
    await deployment.append(creation(id, "the first"))
    const stored = await deployment.actor("task", id, (row) => row.state === "ready")
    await first.stop()

    await deployment.startRuntime()
    const other = randomUUID()
    await deployment.append(creation(id, "the second", "unread-a:1"))
    await deployment.append(creation(other, "a new one", "unread-b:1"))
    expect(await answerTo("unread-a")).toMatchObject({ outcome: "rejected", code: "conflict", reason: `task ${id} already exists` })
    expect(await answerTo("unread-b")).toMatchObject({ outcome: "applied", state: "ready" })
    const after = await deployment.actor("task", id)
    expect({ state: after.state, version: after.version, snapshot: after.snapshot }).toEqual({
      state: stored.state,
      version: stored.version,
      snapshot: stored.snapshot,
    })
    expect((await deployment.transitions("task", id)).map((t) => t.event)).toEqual(["CREATE"])
  })
})
