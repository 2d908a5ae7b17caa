// A flood of bad frames on one control socket: each frame within the per-connection rate is
// answered (validation_failed with its ref), the first over it with rate_limited, and the socket
// is closed (4429) when the flood goes on. The process stays healthy: other bots keep working. A bot's
// reports on the tasks the edge assigned it pass the rate (three frames a task).
// Raw `ws` on purpose: it floods a socket with bad frames past its rate quota.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ofType, withRef } from "./raw-client.ts"
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

    describe("reports on the tasks the edge assigned", () => {
      it("pass the frame rate: a bot handed more tasks than its rate allows reports on every one, and a flood is still refused", async () => {
        // Twice the rate's worth of reports (started and complete for each task), with a frame budget that never refills.
        const TASKS = PER_SECOND
        const capability = `reports-${(attempts += 1)}`
        const bot = await connectBot(edge, await edge.agent({ capabilities: [capability], maxConcurrency: TASKS }))
        const ids = new Set(await Promise.all(Array.from({ length: TASKS }, () => edge.task(capability))))
        let seen = 0
        const assigned: string[] = []
        while (assigned.length < TASKS) {
          const frame = await bot.client.next(ofType("task_assigned"), { from: seen, timeoutMs: 20_000 })
          seen = bot.client.frames.indexOf(frame) + 1
          assigned.push(String(frame.payload["task_id"]))
        }
        expect(new Set(assigned)).toEqual(ids)
        const from = bot.client.frames.length
        for (const [i, taskId] of assigned.entries()) {
          bot.client.send({ type: "task_started", id: `s-${i}`, payload: { task_id: taskId } })
          bot.client.send({ type: "task_complete", id: `c-${i}`, payload: { task_id: taskId, success: true } })
        }
        for (let i = 0; i < TASKS; i++) {
          for (const ref of [`s-${i}`, `c-${i}`]) await bot.client.next(withRef("ack", ref), { from, timeoutMs: 20_000 })
        }
        expect(bot.client.frames.filter(ofType("error"))).toEqual([])
        for (const taskId of assigned) await edge.deployment.actor("task", taskId, (row) => row.state === "completed")

        // Room for three reports a task (a claim too), taken before the rate's: the one left of each task, then the
        // rate's own, are all a flood gets before it is refused.
        for (let i = 0; i < TASKS + PER_SECOND + 1; i++)
          bot.client.send({ type: "task_started", id: `bad-${i}`, payload: { task_id: "nope" } })
        await bot.client.next((frame) => frame.type === "error" && frame.payload["code"] === "rate_limited", { from, timeoutMs: 20_000 })
        const invalid = bot.client.frames.filter((frame) => frame.type === "error" && frame.payload["code"] === "validation_failed")
        expect(invalid.map((frame) => frame.payload["ref"])).toEqual(Array.from({ length: TASKS + PER_SECOND }, (_, i) => `bad-${i}`))
        await bot.client.close()
      })
    })

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
