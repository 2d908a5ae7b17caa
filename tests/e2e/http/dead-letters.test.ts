// Dead letters over HTTP (operators only): a raw entry that cannot be applied is listed with its
// reason and fields; replaying appends it to its inbox again (a still-malformed one comes back as
// a new dead letter, a fixed one is applied); deleting drops it.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
import { httpClient, testEdge, type Client, type TestEdge } from "../../support/edge.ts"

describe("dead letters over HTTP", () => {
  let t: TestEdge
  let api: Client

  beforeAll(async () => {
    t = await testEdge({ partitions: 2 })
    api = t.api
  })
  afterAll(async () => {
    await t?.close()
  })

  const listed = async (count: number) =>
    waitFor(`${count} dead letters`, async () => {
      const page = (await api.get("/api/v1/dead-letters")).body as {
        items: Array<{ id: string; source: string; reason: string; fields: Record<string, string> }>
      }
      return page.items.length === count ? page.items : undefined
    })

  it("lists, replays and deletes the entries that could not be applied", async () => {
    const taskId = t.deployment.idIn("task", 1)
    const { inbox } = t.deployment.keys.partition(1)
    const source = await t.deployment.redis.xadd(inbox, "*", "type", "EXPLODE", "actor", `task:${taskId}`, "payload", "{}")

    const [letter] = await listed(1)
    expect(letter).toMatchObject({
      id: expect.stringMatching(/^1:\d+-\d+$/),
      partition: 1,
      source,
      reason: expect.stringMatching(/^type: expected one of/),
      fields: { type: "EXPLODE", actor: `task:${taskId}`, payload: "{}" },
      at: expect.stringMatching(/Z$/),
    })
    expect((await api.get(`/api/v1/dead-letters/${letter!.id}`)).body).toEqual(letter)

    // Still malformed: replayed, it is dead-lettered again under a new id.
    const replayed = await api.post(`/api/v1/dead-letters/${letter!.id}/replay`)
    expect(replayed).toMatchObject({ status: 202, body: { id: letter!.id, stream_id: expect.stringMatching(/^\d+-\d+$/) } })
    const [again] = await listed(1)
    expect(again!.id).not.toBe(letter!.id)
    expect(again!.source).toBe(replayed.body.stream_id)

    const agent = (await api.post("/api/v1/agents", { name: "nosy", capabilities: ["dl"] })).body as { token: string }
    const bot = httpClient(t.url, agent.token)
    expect((await bot.get("/api/v1/dead-letters")).status).toBe(403)
    expect((await bot.delete(`/api/v1/dead-letters/${again!.id}`)).status).toBe(403)

    expect((await api.delete(`/api/v1/dead-letters/${again!.id}`)).status).toBe(204)
    expect((await api.get("/api/v1/dead-letters")).body.items).toEqual([])
    expect((await api.delete(`/api/v1/dead-letters/${again!.id}`)).body.error.code).toBe("not_found")
    expect((await api.post(`/api/v1/dead-letters/${again!.id}/replay`)).body.error.code).toBe("not_found")
    expect((await api.get("/api/v1/dead-letters/7:1-0")).body.error.code).toBe("not_found")
    expect((await api.get(`/api/v1/dead-letters/${randomUUID()}`)).status).toBe(404)
  })
})
