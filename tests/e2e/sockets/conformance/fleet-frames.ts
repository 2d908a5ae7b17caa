// The `fleet` topic of /ws/events (beyond PROTOCOL v1.1, docs/protocol.md): each second the edge sends
// its followers the deployment's inbox lag (entries appended and not yet applied, the oldest one's age)
// and the dead letters' total. Here no runtime runs at first, so appended entries wait and are counted;
// once one runs, they are applied (or dead-lettered) and the lag falls to none. Raw `ws`: the frame's
// exact shape (the envelope with its timestamp, no cursor) is the rule checked; the SDK's `onFleet`
// hands on the payload alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../../support/edge.ts"
import { TestClient, type Frame } from "./raw-client.ts"

export function fleetFrames(): void {
  describe("fleet frames", () => {
    describe("the fleet topic", () => {
      let t: TestEdge
      let client: TestClient

      beforeAll(async () => {
        t = await testEdge({ runtime: false })
        client = await TestClient.open(`ws://127.0.0.1:${t.edge.port}/ws/events?topics=fleet&token=${t.operatorToken}`)
      })
      afterAll(async () => {
        await client?.close()
        await t?.close()
      })

      const fleet = (match: (payload: Frame["payload"]) => boolean) => (frame: Frame) => frame.type === "fleet" && match(frame.payload)

      it("sends the inbox lag and the dead letters each second, counting entries no runtime applied yet", async () => {
        expect((await client.next(fleet(() => true))).payload).toEqual({ inbox_entries: 0, oldest_entry_age_ms: null, dead_letters: 0 })
        const appendedAt = Date.now()
        const batch = await t.api.post("/api/v1/tasks/batch", {
          tasks: [
            { title: "a", capability: "nobody" },
            { title: "b", capability: "nobody" },
          ],
        })
        expect(batch.status).toBe(202)
        await t.deployment.redis.xadd(
          t.deployment.keys.partition(0).inbox,
          "*",
          "type",
          "EXPLODE",
          "actor",
          `task:${t.deployment.idIn("task", 0)}`,
          "payload",
          "{}",
        )
        const waiting = await client.next(fleet((payload) => payload["inbox_entries"] === 3))
        // PROTOCOL's envelope, stamped when sent; no cursor.
        expect(waiting).toEqual({
          type: "fleet",
          payload: { inbox_entries: 3, oldest_entry_age_ms: expect.any(Number), dead_letters: 0 },
          timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/u),
        })
        expect(waiting.payload["oldest_entry_age_ms"]).toBeLessThanOrEqual(Date.now() - appendedAt + 1_000)
        const later = await client.next(
          fleet((payload) => (payload["oldest_entry_age_ms"] as number) > (waiting.payload["oldest_entry_age_ms"] as number)),
        )
        expect(later.payload["inbox_entries"]).toBe(3)

        const before = client.frames.length
        await t.deployment.startRuntime()
        const applied = await client.next(
          fleet((payload) => payload["inbox_entries"] === 0),
          { from: before, timeoutMs: 20_000 },
        )
        expect(applied.payload).toEqual({ inbox_entries: 0, oldest_entry_age_ms: null, dead_letters: 1 })
      })
    })
  })
}
