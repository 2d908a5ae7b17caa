// The fan-out hands the runtime's answers to the commands of this edge to whoever waits for them:
// `wait` resolves with the reply (applied or rejected, with the code), even when the reply came
// before the wait; an address nobody answers times out with undefined.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"
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
