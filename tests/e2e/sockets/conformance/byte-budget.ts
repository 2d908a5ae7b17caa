// An agent's bytes a second are one budget across every edge: with control sockets on two edges of
// one deployment, its frames together are refused once over it (`rate_limited` with the frame's ref,
// nothing appended), not twice the budget. Small frames go through on an edge's local share without
// asking Redis, are reported to the shared budget within a second, and frames are appended in the
// order they arrived even when one of them waited for Redis's verdict.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AppendFn } from "../../../../src/runtime/append.ts"
import { waitFor } from "../../../support/runtime.ts"
import { connectBot } from "./raw-bot.ts"
import { withRef } from "./raw-client.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export function byteBudget(): void {
  describe("byte budget", () => {
    const BYTES_PER_SECOND = 24 * 1024
    const quotas = { maxFrameBytes: BYTES_PER_SECOND, bytesPerSecond: BYTES_PER_SECOND }

    /** The command ids the two edges appended, in the order each append was called. */
    const appended: string[] = []
    const recorded =
      (append: AppendFn): AppendFn =>
      (command) => {
        if (command.cmdId !== undefined) appended.push(command.cmdId)
        return append(command)
      }

    let first: SocketEdge
    let second: SocketEdge
    beforeAll(async () => {
      // A frozen clock on both edges: the shared budget never refills during the test, so its verdicts are exact.
      const now = Date.now()
      first = await startSocketEdge({ quotas, append: recorded, clock: () => now })
      second = await startSocketEdge({ deployment: first.deployment, quotas, append: recorded, clock: () => now })
    })
    afterAll(async () => {
      await second?.close()
      await first?.close()
    })

    const idsOf = (agentId: string): string[] =>
      appended.filter((cmdId) => cmdId.startsWith(`${agentId}:`)).map((cmdId) => cmdId.slice(agentId.length + 1))

    /** A frame of about 10 KB: two fit the 24 KB budget, a third does not. */
    const heavy = (id: string, taskId: string) => ({
      type: "task_complete",
      id,
      payload: { task_id: taskId, success: true, result: "r".repeat(10_000) },
    })

    describe("an agent's bytes a second, on two edges", () => {
      it("are counted once for both: the frames over the budget are refused with rate_limited and their ref", async () => {
        const agent = await first.agent()
        const [onFirst, onSecond] = [await connectBot(first, agent), await connectBot(second, agent)]
        const taskId = await first.task("nobody")

        onFirst.client.send(heavy("b-1", taskId))
        await onFirst.client.next(withRef("ack", "b-1"))
        onSecond.client.send(heavy("b-2", taskId))
        await onSecond.client.next(withRef("ack", "b-2"))
        for (const [bot, id] of [
          [onFirst, "b-3"],
          [onSecond, "b-4"],
        ] as const) {
          bot.client.send(heavy(id, taskId))
          expect((await bot.client.next(withRef("error", id))).payload).toEqual({
            code: "rate_limited",
            message: `frames: more than ${BYTES_PER_SECOND} bytes a second from this agent; send this one again later`,
            ref: id,
          })
        }
        // Small frames still go through on each edge's local share.
        await onFirst.acked("heartbeat", "hb-1", {})
        await onSecond.acked("heartbeat", "hb-2", {})
        expect(idsOf(agent.id).sort()).toEqual(["b-1", "b-2", "hb-1", "hb-2"])
        await Promise.all([onFirst.client.close(), onSecond.client.close()])
      })

      it("reports the bytes of small frames to the shared budget within a second", async () => {
        const agent = await first.agent()
        const bot = await connectBot(first, agent)
        const frame = { type: "heartbeat", id: "small", payload: {} }
        await bot.acked(frame.type, frame.id, frame.payload)
        const key = first.deployment.keys.rateLimit("ws-bytes", agent.id)
        const tokens = await waitFor("the small frame's bytes in Redis", async () => {
          const stored = await first.deployment.redis.hget(key, "tokens")
          return stored === null ? undefined : Number(stored)
        })
        expect(tokens).toBe(BYTES_PER_SECOND - Buffer.byteLength(JSON.stringify(frame)))
        await bot.client.close()
      })

      it("appends frames in the order they arrived, also behind one that waited for Redis", async () => {
        const agent = await first.agent()
        const bot = await connectBot(first, agent)
        const taskId = await first.task("nobody")
        bot.client.send(heavy("o-1", taskId))
        bot.client.send({ type: "heartbeat", id: "o-2", payload: {} })
        bot.client.send({ type: "heartbeat", id: "o-3", payload: {} })
        await bot.client.next(withRef("ack", "o-3"))
        expect(idsOf(agent.id)).toEqual(["o-1", "o-2", "o-3"])
        await bot.client.close()
      })
    })
  })
}
