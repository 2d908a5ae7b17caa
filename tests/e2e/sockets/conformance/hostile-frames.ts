// Hostile and careless frames on both sockets get a defined answer and leave the process, the socket
// and the stream as they were: a frame nested 10,000 deep, invalid UTF-8 (binary frames are checked
// by the edge; a text frame that is not UTF-8 is dropped by uWS itself, RFC 6455 §8.1), frames over
// the size limit but under uWS's own, NUL characters, unknown fields, an overlong progress message,
// an agent over its bytes a second, too many frames waiting for the stream, too many topics, and a
// bug in a handler (answered `internal`).
// Raw `ws` on purpose: every frame here is one the SDK never sends.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { AppendFn } from "../../../../src/runtime/append.ts"
import { connectBot, type Bot } from "./raw-bot.ts"
import { ofType, TestClient, withRef } from "./raw-client.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export function hostileFrames(): void {
  describe("hostile frames", () => {
    const MAX_FRAME = 24 * 1024
    const BYTES_PER_SECOND = 24 * 1024
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`

    /** The command id of every command the sockets appended (the runtime trims applied entries from the inbox). */
    const appended: string[] = []

    /** Records each append; fails as a bug would (a synchronous throw) for frames whose payload asks for it. */
    const recordedFaulty =
      (append: AppendFn): AppendFn =>
      (command) => {
        if (command.payload["error"] === "throw in the handler") throw new TypeError("injected bug")
        if (command.cmdId !== undefined) appended.push(command.cmdId)
        return append(command)
      }

    let edge: SocketEdge
    let bot: Bot
    beforeAll(async () => {
      // A frozen clock: the byte budget never refills during the test, so its verdicts are exact.
      const now = Date.now()
      edge = await startSocketEdge({
        quotas: { maxFrameBytes: MAX_FRAME, bytesPerSecond: BYTES_PER_SECOND, maxTopics: 3 },
        append: recordedFaulty,
        clock: () => now,
      })
      bot = await connectBot(edge, await edge.agent({ capabilities: ["hostile"] }))
    })
    // A socket uWS dropped (the rare 1006 after `connected`, docs/edge.md) would fail every later test:
    // a retried test starts on a fresh bot, of a new agent (its byte budget never refills here).
    beforeEach(async () => {
      if (bot.client.ws.readyState !== bot.client.ws.OPEN) bot = await connectBot(edge, await edge.agent({ capabilities: ["hostile"] }))
    })
    afterAll(async () => {
      await bot.client.close()
      await edge.close()
    })

    /** The frame ids of the agent's appended commands. */
    const appendedIds = (agentId: string): string[] =>
      appended.filter((cmdId) => cmdId.startsWith(`${agentId}:`)).map((cmdId) => cmdId.slice(agentId.length + 1))

    /** The socket still answers: a heartbeat is acked. */
    const stillServes = async (client: Bot, ref: string) => expect((await client.acked("heartbeat", ref, {})).payload["ref"]).toBe(ref)

    describe("malformed frames on the control socket", () => {
      it("answer validation_failed for a frame nested 10,000 deep, naming where, and the socket stays open", async () => {
        bot.client.send(`{"type":"task_complete","id":"deep","payload":{"task_id":"x","success":true,"result":${nested(10_000)}}}`)
        const error = await bot.client.next(withRef("error", "deep"))
        expect(error.payload).toEqual({
          code: "validation_failed",
          message: "payload.result.0.0.0.0.0.0.…: nested deeper than 64 levels",
          ref: "deep",
        })
        await stillServes(bot, "after-deep")
      })

      it("answer validation_failed for a binary frame that is not UTF-8, and take binary frames that are", async () => {
        bot.client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: true })
        const error = await bot.client.next((frame) => frame.type === "error" && frame.payload["message"] === "body: invalid UTF-8")
        expect(error.payload).toEqual({ code: "validation_failed", message: "body: invalid UTF-8" })
        bot.client.ws.send(Buffer.from(JSON.stringify({ type: "heartbeat", id: "binary", payload: {} })), { binary: true })
        await bot.client.next(withRef("ack", "binary"))
      })

      it("refuse NUL characters, unknown fields and an overlong progress message, appending nothing", async () => {
        const taskId = await edge.task("nobody")
        bot.client.send({ type: "task_complete", id: "nul", payload: { task_id: taskId, success: true, result: { out: "a\u0000b" } } })
        bot.client.send({ type: "heartbeat", id: "typo", payload: { status: "healthy", lod: 1 } })
        bot.client.send({ type: "task_progress", id: "long", payload: { task_id: taskId, progress: 0.5, message: "m".repeat(1025) } })
        expect((await bot.client.next(withRef("error", "nul"))).payload["message"]).toBe(
          "payload.result.out: holds a NUL character (\\u0000)",
        )
        expect((await bot.client.next(withRef("error", "typo"))).payload["message"]).toBe("payload.lod: unknown field")
        expect((await bot.client.next(withRef("error", "long"))).payload["message"]).toMatch(
          /^payload\.message: expected a value with a length of at most 1024/,
        )
        await stillServes(bot, "after-refusals")
        const ids = appendedIds(bot.id)
        expect(ids).toContain("after-refusals")
        expect(ids.filter((id) => ["nul", "typo", "long"].includes(id))).toEqual([])
      })

      it("answer a bug in the handler with internal, and the socket and process carry on", async () => {
        bot.client.send({
          type: "task_complete",
          id: "bug",
          payload: { task_id: await edge.task("nobody"), success: false, error: "throw in the handler" },
        })
        expect((await bot.client.next(withRef("error", "bug"))).payload).toMatchObject({ code: "internal" })
        await stillServes(bot, "after-bug")
      })
    })

    describe("size and rate quotas on the control socket", () => {
      it("close a frame over the limit with 1009 after payload_too_large, even far over it", async () => {
        const big = await connectBot(edge, await edge.agent())
        big.client.send({ type: "heartbeat", id: "huge", payload: { padding: "x".repeat(MAX_FRAME * 8) } })
        expect(await big.client.closed).toEqual({ code: 1009, reason: "payload_too_large" })
        expect(big.client.frames.filter(ofType("error")).map((frame) => frame.payload["code"])).toEqual(["payload_too_large"])
      })

      it("refuse an agent's frames over its bytes a second with rate_limited and their ref, appending none of them", async () => {
        const agent = await edge.agent({ capabilities: ["quota"] })
        const heavy = await connectBot(edge, agent)
        const taskId = await edge.task("nobody")
        // Each frame about 10 KB: two fit the agent's 24 KB budget, the third does not.
        const frame = (id: string) => ({
          type: "task_complete",
          id,
          payload: { task_id: taskId, success: true, result: "r".repeat(10_000) },
        })
        for (const id of ["q-1", "q-2", "q-3", "q-4"]) heavy.client.send(frame(id))
        await heavy.client.next(withRef("ack", "q-1"))
        await heavy.client.next(withRef("ack", "q-2"))
        for (const id of ["q-3", "q-4"]) {
          const error = await heavy.client.next(withRef("error", id))
          expect(error.payload).toEqual({
            code: "rate_limited",
            message: `frames: more than ${BYTES_PER_SECOND} bytes a second from this agent; send this one again later`,
            ref: id,
          })
        }
        // A reconnection does not refill the agent's budget.
        await heavy.client.close()
        const again = await connectBot(edge, agent)
        again.client.send(frame("q-5"))
        expect((await again.client.next(withRef("error", "q-5"))).payload["code"]).toBe("rate_limited")
        expect(
          appendedIds(agent.id)
            .filter((id) => id.startsWith("q-"))
            .sort(),
        ).toEqual(["q-1", "q-2"])
        await again.client.close()
      })
    })

    describe("bounded queues", () => {
      it("refuse a control socket's frames beyond the ones already waiting for the stream", async () => {
        // The stream never answers this edge's bot frames: they stay in flight.
        const stalled = await startSocketEdge({
          quotas: { maxInFlight: 2 },
          append: (append) => (command) => (command.type === "HEARTBEAT" ? new Promise(() => undefined) : append(command)),
        })
        try {
          const waiting = await connectBot(stalled, await stalled.agent())
          for (const id of ["w-1", "w-2", "w-3"]) waiting.client.send({ type: "heartbeat", id, payload: {} })
          expect((await waiting.client.next(withRef("error", "w-3"))).payload).toEqual({
            code: "rate_limited",
            message: "frames: 2 already wait for the stream; send this one again later",
            ref: "w-3",
          })
          expect(waiting.client.frames.filter((frame) => frame.type === "error").map((frame) => frame.payload["ref"])).toEqual(["w-3"])
          await waiting.client.close()
        } finally {
          await stalled.close()
        }
      })
    })

    describe("the event socket", () => {
      it("answers a frame nested 10,000 deep with validation_failed and stays open", async () => {
        const client = await TestClient.open(edge.url("/ws/events"))
        client.send(`{"type":"subscribe","id":"deep","payload":{"topics":${nested(10_000)}}}`)
        expect((await client.next(withRef("error", "deep"))).payload).toEqual({
          code: "validation_failed",
          message: "payload.topics.0.0.0.0.0.0.…: nested deeper than 64 levels",
          ref: "deep",
        })
        client.send({ type: "subscribe", id: "ok", payload: { topics: ["tasks", "agents", "sessions", "machines"] } })
        expect((await client.next(withRef("error", "ok"))).payload).toEqual({
          code: "validation_failed",
          message: "topics: at most 3 per socket",
          ref: "ok",
        })
        await client.close()
      })

      it("refuses more topics than the quota at the upgrade", async () => {
        const refusal = await TestClient.open(edge.url("/ws/events?topics=tasks,agents,sessions,machines")).catch((error: unknown) => error)
        expect(refusal).toEqual({ status: 400, body: { error: { code: "validation_failed", message: "topics: at most 3 per socket" } } })
      })
    })

    describe("frames uWS drops itself, before any handler (docs/edge.md, Socket quotas)", () => {
      it("a text frame that is not UTF-8: 1006 with no error frame, counted, and the process goes on", async () => {
        const client = await TestClient.open(edge.url("/ws/events"))
        client.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false })
        expect((await client.closed).code).toBe(1006)
        expect(client.frames).toEqual([])
        expect(edge.metrics.render()).toMatch(/clawbot_ws_frames_rejected_total\{code="validation_failed"\} [1-9]/)
        await stillServes(bot, "after-text")
      })

      it("a frame over uWS's own limit (16 MiB here): 1006 with no error frame, counted as payload_too_large", async () => {
        const rejected = () =>
          Number(/clawbot_ws_frames_rejected_total\{code="payload_too_large"\} (\d+)/.exec(edge.metrics.render())?.[1] ?? 0)
        const before = rejected()
        const client = await TestClient.open(edge.url("/ws/events"))
        client.ws.send(Buffer.alloc(16 * 1024 * 1024 + 1, 0x20), { binary: true })
        expect((await client.closed).code).toBe(1006)
        expect(client.frames).toEqual([])
        expect(rejected()).toBe(before + 1)
        await stillServes(bot, "after-too-big")
      })
    })
  })
}
