// Answers carry the frame's id as `ref`: an appended frame gets `ack {ref, stream_id}`; a frame the
// runtime refuses gets that ack and then `error {code, message, ref}`; a malformed frame gets
// `validation_failed` naming the field (with `ref` when its id was readable) and the socket stays
// open; a frame without an id is applied without an answer.
// Raw `ws` on purpose: it sends malformed frames and frames without ids, which the SDK never sends.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { partitionOf } from "../../../../src/redis/partition.ts"
import type { AppendInput } from "../../../../src/runtime/append.ts"
import { validateCommand } from "../../../../src/runtime/inbox-codec.ts"
import { withRef } from "./raw-client.ts"
import { connectBot, type Bot } from "./raw-bot.ts"
import type { SocketEdge } from "../harness.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function acksAndRefs(shared: () => SharedEdge): void {
  describe("acks and refs", () => {
    let edge: SocketEdge
    let bot: Bot
    /** What the sockets appended (the runtime trims applied entries from the inbox). */
    let appended: ReadonlyArray<AppendInput>
    beforeAll(async () => {
      ;({ edge, appended } = shared())
      bot = await connectBot(edge, await edge.agent({ capabilities: ["answers"] }))
    })
    // A socket uWS dropped (the rare 1006 after `connected`, docs/edge.md): a retried test starts on a fresh one.
    beforeEach(async () => {
      if (bot.client.ws.readyState !== bot.client.ws.OPEN) bot = await connectBot(edge, await edge.agent({ capabilities: ["answers"] }))
    })
    afterAll(() => bot.client.close())

    describe("acks and errors on the control socket", () => {
      it("acks an appended frame with its ref and the command's stream id", async () => {
        const ack = await bot.acked("heartbeat", "hb-1", { load: 0.2, status: "healthy" })
        expect(ack.payload).toEqual({ ref: "hb-1", stream_id: expect.stringMatching(/^\d+-\d+$/) })
        const inbox = edge.ctx.keys.partition(partitionOf("agent", bot.id, edge.ctx.partitions)).inbox
        const streamId = String(ack.payload["stream_id"])
        const [entry] = await edge.deployment.redis.xrange(inbox, streamId, streamId)
        expect(entry?.[1]).toEqual(expect.arrayContaining(["type", "HEARTBEAT", "actor", `agent:${bot.id}`]))
      })

      it("appends the command with the attempt the frame names, snake_case in the stream", async () => {
        const taskId = randomUUID()
        await bot.acked("task_progress", "p-attempt", { task_id: taskId, attempt: 2, progress: 0.5, message: "half" })
        const command = appended.find((candidate) => candidate.cmdId === `${bot.id}:p-attempt`)
        expect(command).toMatchObject({
          kind: "task",
          id: taskId,
          type: "PROGRESS",
          payload: { agentId: bot.id, attempt: 2, progress: 0.5, message: "half" },
        })
        expect(JSON.parse(validateCommand(command as AppendInput))).toEqual({
          agent_id: bot.id,
          attempt: 2,
          progress: 0.5,
          message: "half",
        })
        // The task does not exist: the runtime's refusal follows the ack. Awaited here, so it cannot arrive during a later test.
        expect((await bot.client.next(withRef("error", "p-attempt"))).payload).toMatchObject({ code: "not_found", ref: "p-attempt" })
      })

      it("answers a refused command with the ack, then an error naming the reason, with the ref", async () => {
        const ready = await edge.task("nobody-has-this")
        await edge.deployment.actor("task", ready, (task) => task.state === "ready")
        bot.client.send({ type: "task_started", id: "s-9", payload: { task_id: ready } })
        await bot.client.next(withRef("ack", "s-9"))
        const error = await bot.client.next(withRef("error", "s-9"))
        expect(error.payload).toEqual({ code: "conflict", message: expect.stringContaining("ready"), ref: "s-9" })
      })

      it("acks frames sent together each once, in the order sent, a refusal after its own ack", async () => {
        const ready = await edge.task("nobody-has-this")
        await edge.deployment.actor("task", ready, (task) => task.state === "ready")
        const from = bot.client.frames.length
        const refs = ["t-1", "t-2", "t-3", "t-4", "t-5"]
        for (const ref of refs) {
          if (ref === "t-3") bot.client.send({ type: "task_started", id: ref, payload: { task_id: ready } })
          else bot.client.send({ type: "heartbeat", id: ref, payload: { load: 0.1 } })
        }
        await bot.client.next(withRef("error", "t-3"), { from })
        await bot.acked("heartbeat", "t-fence", {})
        const answers = bot.client.frames.slice(from).map((frame) => `${frame.type} ${String(frame.payload["ref"])}`)
        expect(answers.filter((answer) => answer.startsWith("ack"))).toEqual([...refs, "t-fence"].map((ref) => `ack ${ref}`))
        expect(answers.indexOf("error t-3")).toBeGreaterThan(answers.indexOf("ack t-3"))
        expect(answers).toHaveLength(refs.length + 2)
      })

      it("answers a command for a task that does not exist with not_found and the ref", async () => {
        bot.client.send({ type: "claim_task", id: "c-404", payload: { task_id: randomUUID() } })
        const error = await bot.client.next(withRef("error", "c-404"))
        expect(error.payload).toMatchObject({ code: "not_found", ref: "c-404" })
      })

      it("answers a malformed frame with validation_failed naming the field, and keeps the socket open", async () => {
        bot.client.send({ type: "task_progress", id: "p-bad", payload: { task_id: "not-a-uuid", progress: 2 } })
        const bad = await bot.client.next(withRef("error", "p-bad"))
        expect(bad.payload).toEqual({ code: "validation_failed", message: expect.stringContaining("task_id"), ref: "p-bad" })

        bot.client.send("this is not json")
        const notJson = await bot.client.next(
          (frame) => frame.type === "error" && frame.payload["ref"] === undefined && String(frame.payload["message"]).includes("JSON"),
        )
        expect(notJson.payload["code"]).toBe("validation_failed")

        bot.client.send({ type: "self_destruct", id: "x-1", payload: {} })
        expect((await bot.client.next(withRef("error", "x-1"))).payload["code"]).toBe("validation_failed")

        const ack = await bot.acked("heartbeat", "hb-after", {})
        expect(ack.payload["ref"]).toBe("hb-after")
      })

      it("applies a frame without an id and answers nothing", async () => {
        const before = bot.client.frames.length
        bot.client.send({ type: "heartbeat", payload: { load: 0.9 } })
        await edge.deployment.actor("agent", bot.id, (row) => row.load === 0.9)
        await bot.acked("heartbeat", "hb-fence", {})
        expect(bot.client.frames.slice(before)).toEqual([
          { type: "ack", payload: { ref: "hb-fence", stream_id: expect.any(String) }, timestamp: expect.any(String) },
        ])
      })
    })
  })
}
