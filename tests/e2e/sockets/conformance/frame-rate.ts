// A flood of bad frames on one control socket: each frame within the per-connection rate is
// answered (validation_failed with its ref), the first over it with rate_limited, and the socket
// is closed (4429) when the flood goes on. The process stays healthy: other bots keep working.
// Raw `ws` on purpose: it floods a socket with bad frames past its rate quota.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType } from "./raw-client.ts"
import { connectBot } from "./raw-bot.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export function frameRate(): void {
  describe("frame rate", () => {
    const PER_SECOND = 20
    let edge: SocketEdge
    let attempts = 0
    beforeAll(async () => {
      // A frozen clock: a socket's frame budget never refills during the test, however slowly the frames
      // are read, so the counts below are exact.
      const now = Date.now()
      edge = await startSocketEdge({ limits: { perConnectionPerSecond: PER_SECOND }, clock: () => now })
    })
    afterAll(() => edge.close())

    describe("a flood of bad frames", () => {
      it("is answered, rate limited, then closed, while other sockets keep working", async () => {
        const flooder = await connectBot(edge, await edge.agent())
        // A capability of this attempt's own: a retried attempt's task goes to no bot an earlier attempt left.
        const capability = `bystand-${(attempts += 1)}`
        const bystander = await connectBot(edge, await edge.agent({ capabilities: [capability] }))

        // One frame a turn of the event loop until the close: frames still unread when the server closes
        // make its kernel reset the connection, and a reset can overtake the close frame (1006 at the client).
        let closed = false
        void flooder.client.closed.then(() => (closed = true))
        for (let i = 0; i < 500 && !closed; i++) {
          flooder.client.send({ type: "task_started", id: `bad-${i}`, payload: { task_id: "nope" } })
          await new Promise((resolve) => setImmediate(resolve))
        }
        expect(await flooder.client.closed).toEqual({ code: 4429, reason: "rate_limited" })

        const errors = flooder.client.frames.filter(ofType("error"))
        const invalid = errors.filter((frame) => frame.payload["code"] === "validation_failed")
        expect(invalid).toHaveLength(PER_SECOND)
        expect(invalid.every((frame, i) => frame.payload["ref"] === `bad-${i}`)).toBe(true)
        expect(errors.filter((frame) => frame.payload["code"] === "rate_limited")).toHaveLength(1)

        // The other bot is served as before: acks, and a task runs to completion.
        const taskId = await edge.task(capability)
        await bystander.client.next(ofType("task_assigned"))
        await bystander.acked("task_started", "s", { task_id: taskId })
        await bystander.acked("task_complete", "c", { task_id: taskId, success: true })
        await edge.deployment.actor("task", taskId, (row) => row.state === "completed")
        expect(bystander.client.frames.filter(ofType("error"))).toEqual([])

        const metrics = edge.metrics.render()
        expect(metrics).toMatch(/clawbot_ws_frames_rejected_total\{code="rate_limited"\} [1-9]/)
        expect(metrics).toMatch(/clawbot_ws_frames_rejected_total\{code="validation_failed"\} [1-9]/)
        await bystander.client.close()
      })

      it("lets the agent connect again after its flooding socket was closed", async () => {
        const agent = await edge.agent()
        const first = await connectBot(edge, agent)
        for (let i = 0; i < 200; i++) first.client.send("{")
        expect((await first.client.closed).code).toBe(4429)
        const again = await connectBot(edge, agent)
        expect((await again.acked("heartbeat", "hb", {})).payload["ref"]).toBe("hb")
        await again.client.close()
      })
    })
  })
}
