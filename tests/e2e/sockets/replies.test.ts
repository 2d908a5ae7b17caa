// The fan-out hands the runtime's answers to the commands of this edge to whoever waits for them:
// `wait` resolves with the reply (applied or rejected, with the code), even when the reply came
// before the wait; an address nobody answers times out with undefined. A bot's frame asks for refusals only: an
// accepted one leaves no reply entry in the edge's reply stream, a refused one is answered after its ack.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../../src/redis/partition.ts"
import { waitFor } from "../../support/runtime.ts"
import { connectBot } from "./conformance/raw-bot.ts"
import { withRef } from "./conformance/raw-client.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

describe("replies", () => {
  it("delivers an applied command's answer to its waiter", async () => {
    const agent = await edge.agent()
    const replyTo = edge.fanout.replies.address()
    expect(replyTo.startsWith(`${edge.ctx.edgeId}:`)).toBe(true)
    const appended = await edge.ctx.append({ kind: "agent", id: agent.id, type: "CONNECT", payload: {}, replyTo })
    const reply = await edge.fanout.replies.wait(replyTo, 5_000)
    expect(reply).toEqual({ outcome: "applied", actor: { kind: "agent", id: agent.id }, state: "online", stream_id: appended.streamId })
  })

  it("delivers a refusal with its code and reason, even to a wait that starts after it arrived", async () => {
    const taskId = await edge.task("nobody-here")
    await edge.deployment.actor("task", taskId, (task) => task.state === "ready")
    const replyTo = edge.fanout.replies.address()
    await edge.ctx.append({ kind: "task", id: taskId, type: "COMPLETE", payload: { agentId: randomUUID() }, replyTo })
    // A later command to the same task is answered after it, on the same reply stream: once its answer is
    // in, the first one has arrived too, with nobody waiting for it yet.
    const later = edge.fanout.replies.address()
    await edge.ctx.append({ kind: "task", id: taskId, type: "COMPLETE", payload: { agentId: randomUUID() }, replyTo: later })
    expect(await edge.fanout.replies.wait(later, 5_000)).toMatchObject({ outcome: "rejected" })
    const reply = await edge.fanout.replies.wait(replyTo, 0)
    expect(reply).toMatchObject({ outcome: "rejected", state: "ready", code: "conflict", reason: expect.stringContaining("ready") })
  })

  it("hands answers under a listened prefix to the listener, and times out a wait nobody answers", async () => {
    const agent = await edge.agent()
    const prefix = `${edge.fanout.replies.address()}.`
    const heard: string[] = []
    const stop = edge.fanout.replies.listen(prefix, (replyTo) => heard.push(replyTo))
    await edge.ctx.append({ kind: "agent", id: agent.id, type: "HEARTBEAT", payload: {}, replyTo: `${prefix}1` })
    await edge.ctx.append({ kind: "agent", id: agent.id, type: "HEARTBEAT", payload: {}, replyTo: `${prefix}2` })
    await waitFor("both answers heard", async () => (heard.length >= 2 ? true : undefined))
    expect(heard).toEqual([`${prefix}1`, `${prefix}2`])
    stop()
    expect(await edge.fanout.replies.wait(edge.fanout.replies.address(), 50)).toBeUndefined()
  })
})

/** The bodies of the reply entries in `edge`'s reply stream about `actorId`, oldest first. */
const repliesAbout = async (edge: SocketEdge, actorId: string): Promise<Array<Record<string, unknown>>> => {
  const entries = await edge.deployment.redis.xrange(edge.ctx.keys.replies(edge.ctx.edgeId), "-", "+")
  return entries
    .map(([, fields]) => JSON.parse(fields[fields.indexOf("body") + 1] ?? "{}") as Record<string, unknown>)
    .filter((body) => (body["actor"] as { id?: unknown } | undefined)?.id === actorId)
}

describe("replies to a bot's frames", () => {
  it("asks for refusals only: an accepted frame is acked and no reply entry is written for it", async () => {
    const agent = await edge.agent()
    const bot = await connectBot(edge, agent)
    try {
      const ack = await bot.acked("heartbeat", "hb-quiet", { load: 0.4 })
      const streamId = String(ack.payload["stream_id"])
      // The frame's inbox entry asks for refusals only.
      const inbox = edge.ctx.keys.partition(partitionOf("agent", agent.id, edge.ctx.partitions)).inbox
      const [entry] = await edge.deployment.redis.xrange(inbox, streamId, streamId)
      expect(entry?.[1]).toEqual(expect.arrayContaining(["replyTo", expect.stringMatching(/\.1$/u), "replyWhen", "rejected"]))
      // A command to the same agent after it, answered in full: once its answer is in the reply stream, the frame's
      // would be before it (one actor's commands are carried out in order, each batch after the one before).
      const fence = edge.fanout.replies.address()
      await edge.ctx.append({ kind: "agent", id: agent.id, type: "HEARTBEAT", payload: {}, replyTo: fence })
      expect(await edge.fanout.replies.wait(fence, 5_000)).toMatchObject({ outcome: "applied" })
      const about = await repliesAbout(edge, agent.id)
      // The CONNECT the socket appended asks for no answer; the fence's is the one entry.
      expect(about).toEqual([
        { outcome: "applied", actor: { kind: "agent", id: agent.id }, state: "online", stream_id: expect.any(String) },
      ])
    } finally {
      bot.client.close()
    }
  })

  it("answers a refused frame with its ack, then the error frame with its ref; its one reply entry names the command", async () => {
    const agent = await edge.agent()
    const bot = await connectBot(edge, agent)
    try {
      const taskId = await edge.task("nobody-here")
      await edge.deployment.actor("task", taskId, (task) => task.state === "ready")
      const from = bot.client.frames.length
      bot.client.send({ type: "task_started", id: "s-refused", payload: { task_id: taskId } })
      const error = await bot.client.next(withRef("error", "s-refused"), { from })
      expect(error.payload).toEqual({ code: "conflict", message: expect.stringContaining("ready"), ref: "s-refused" })
      const answers = bot.client.frames.slice(from).map((frame) => `${frame.type} ${String(frame.payload["ref"])}`)
      expect(answers).toEqual(["ack s-refused", "error s-refused"])
      expect(await repliesAbout(edge, taskId)).toEqual([
        {
          outcome: "rejected",
          actor: { kind: "task", id: taskId },
          state: "ready",
          code: "conflict",
          reason: expect.stringContaining("ready"),
          cmd_id: `${agent.id}:s-refused`,
          stream_id: expect.any(String),
        },
      ])
    } finally {
      bot.client.close()
    }
  })
})
