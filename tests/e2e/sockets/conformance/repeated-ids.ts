// A frame id repeated by the same agent is applied once: both frames are acked with the stream id
// of the one command appended; the same id from another agent is its own command.
// Raw `ws` on purpose: it repeats a frame id, which the SDK never does.
import { beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../../support/runtime.ts"
import { ofType } from "./raw-client.ts"
import { connectBot } from "./raw-bot.ts"
import type { SocketEdge } from "../harness.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function repeatedIds(shared: () => SharedEdge): void {
  describe("repeated frame ids", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    /** The events of `type` an actor applied (its inbox entries are trimmed once acknowledged: the history tells). */
    const applied = async (kind: string, id: string, type: string) =>
      (await edge.deployment.transitions(kind, id)).filter((transition) => transition.event === type)

    describe("repeated frame ids", () => {
      it("applies a repeated progress frame once, and acks both with the same stream id", async () => {
        const bot = await connectBot(edge, await edge.agent({ capabilities: ["dedupe"] }))
        const taskId = await edge.task("dedupe")
        await bot.client.next(ofType("task_assigned"))
        await bot.acked("task_started", "s-1", { task_id: taskId })
        const first = await bot.acked("task_progress", "p-1", { task_id: taskId, progress: 0.25 })
        const second = await bot.acked("task_progress", "p-1", { task_id: taskId, progress: 0.75 })
        expect(second.payload["stream_id"]).toBe(first.payload["stream_id"])
        expect(bot.client.frames.filter((frame) => frame.type === "ack" && frame.payload["ref"] === "p-1")).toHaveLength(2)

        await bot.acked("task_progress", "p-2", { task_id: taskId, progress: 0.5 })
        await edge.deployment.actor("task", taskId, (task) => (task.snapshot as { context: { progress: number } }).context.progress === 0.5)
        // The history holds the two progress commands appended (0.25, 0.5): the repeated 0.75 never applied.
        const progress = await edge.deployment.schema.sql<{ event: string }[]>`
          select event from transitions where actor_id = ${taskId} and event = 'PROGRESS' order by id`
        expect(progress).toHaveLength(2)
        expect(bot.client.frames.filter(ofType("error"))).toEqual([])
        await bot.client.close()
      })

      it("keeps the same frame id from two agents apart", async () => {
        const one = await connectBot(edge, await edge.agent())
        const two = await connectBot(edge, await edge.agent())
        const a = await one.acked("heartbeat", "same", {})
        const b = await two.acked("heartbeat", "same", {})
        expect(a.payload["stream_id"]).not.toBe(b.payload["stream_id"])
        // Each agent applied its own heartbeat.
        for (const bot of [one, two])
          await waitFor(`${bot.id}'s heartbeat applied`, async () =>
            (await applied("agent", bot.id, "HEARTBEAT")).length === 1 ? true : undefined,
          )
        await Promise.all([one.client.close(), two.client.close()])
      })
    })
  })
}
