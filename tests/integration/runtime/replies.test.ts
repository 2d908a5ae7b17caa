// The runtime's answer to a command that asked for one goes to the stream of the edge that waits for
// it, never through the event stream every edge reads; that stream expires once its edge is gone.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
  await deployment.startRuntime()
})
afterAll(() => deployment.close())

describe("replies", () => {
  it("go to the waiting edge's own stream, with the verdict", async () => {
    const id = randomUUID()
    const create = await deployment.append({
      kind: "task",
      id,
      type: "CREATE",
      payload: { id, title: "answered", capability: "replies", dependsOn: [], blocked: false },
      replyTo: "edge-a:1",
    })
    const refused = await deployment.append({
      kind: "task",
      id: randomUUID(),
      type: "CANCEL",
      payload: { reason: "no" },
      replyTo: "edge-b:7",
    })
    const stream = deployment.keys.replies("edge-a")
    const [entry] = await waitFor("the answer", async () => {
      const entries = await deployment.redis.xrange(stream, "-", "+")
      return entries.length > 0 ? entries : undefined
    })
    const fields = Object.fromEntries(entry![1].flatMap((value, i, all) => (i % 2 === 0 ? [[value, all[i + 1]]] : [])))
    expect(fields).toMatchObject({ type: "reply", topics: "reply:edge-a:1" })
    expect(JSON.parse(String(fields["body"]))).toMatchObject({ outcome: "applied", state: "ready", stream_id: create.streamId })
    const other = await waitFor("the other edge's answer", async () => {
      const entries = await deployment.redis.xrange(deployment.keys.replies("edge-b"), "-", "+")
      return entries.length > 0 ? entries : undefined
    })
    expect(JSON.parse(String(other[0]![1][5]))).toMatchObject({ outcome: "rejected", code: "not_found", stream_id: refused.streamId })

    const events = await deployment.redis.xrange(deployment.keys.events, "-", "+")
    expect(events.filter(([, flat]) => flat[1] === "reply")).toEqual([])
    // Set by the same script call as the answer's XADD (events-publish.lua): never seen without it. The event
    // stream does not expire.
    const ttl = await deployment.redis.pttl(stream)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    expect(await deployment.redis.pttl(deployment.keys.events)).toBe(-1)
  })
})
