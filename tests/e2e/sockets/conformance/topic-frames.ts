// Topics on the wire of the event socket: a socket on two topics of one event gets it once per topic
// (same id, each frame naming its topic, never twice under one topic); `subscribe` / `unsubscribe`
// frames change the topics live, from the frame on; bad topics are refused (400 at the upgrade, an
// error frame with the frame's ref later). Beyond PROTOCOL v1.1, a socket opened with `acks=1` is
// answered `ack {ref}` for each such frame with an id, once its topics are in effect; without it, nothing.
// Who gets which transitions: ../events-topics.test.ts.
import { randomUUID } from "node:crypto"
import { beforeAll, describe, expect, it } from "vitest"
import { produce, taskEvent } from "../events-support.ts"
import type { SocketEdge } from "../harness.ts"
import { handled, receivedIds, TestClient, type Frame, type Refusal } from "./raw-client.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function topicFrames(shared: () => SharedEdge): void {
  describe("topic frames", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    const events = (client: TestClient): Frame[] => client.frames.filter((frame) => frame.type === "event")
    const eventOf = (actorId: string, to: string) => (frame: Frame) =>
      frame.type === "event" && frame.payload["actor_id"] === actorId && frame.payload["to"] === to

    describe("event socket topics on the wire", () => {
      it("sends an event once per followed topic, each frame naming its topic", async () => {
        const taskId = randomUUID()
        const [onTask, onBoth] = await Promise.all([
          TestClient.open(edge.url(`/ws/events?topics=task:${taskId}`)),
          TestClient.open(edge.url(`/ws/events?topics=tasks,task:${taskId}`)),
        ])
        await edge.deployment.append({
          kind: "task",
          id: taskId,
          type: "CREATE",
          payload: { id: taskId, title: "watched", capability: "nobody", dependsOn: [], blocked: true },
        })
        await edge.deployment.append({ kind: "task", id: taskId, type: "SESSION_RUN", payload: { epoch: 0 } })
        await onBoth.next((frame) => eventOf(taskId, "ready")(frame) && frame.payload["topic"] === "tasks")
        await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "enough" } })
        await onTask.next(eventOf(taskId, "cancelled"))
        await onBoth.next((frame) => eventOf(taskId, "cancelled")(frame) && frame.payload["topic"] === `task:${taskId}`)
        await onBoth.next((frame) => eventOf(taskId, "cancelled")(frame) && frame.payload["topic"] === "tasks")

        expect(events(onTask).every((frame) => frame.payload["actor_id"] === taskId && frame.payload["topic"] === `task:${taskId}`)).toBe(
          true,
        )
        // Once per topic: the same ids under `tasks` and under `task:<id>`, none twice under one topic.
        const perTask = receivedIds(onBoth.frames, `task:${taskId}`)
        expect(perTask).toEqual(receivedIds(onTask.frames, `task:${taskId}`))
        expect(receivedIds(onBoth.frames, "tasks").filter((id) => perTask.includes(id))).toEqual(perTask)
        expect(new Set(perTask).size).toBe(perTask.length)
        await Promise.all([onTask.close(), onBoth.close()])
      })

      it("follows subscribe and unsubscribe frames", async () => {
        const [a, b] = [randomUUID(), randomUUID()]
        const client = await TestClient.open(edge.url(`/ws/events?topics=task:${a}`))
        const idOf = (entry: Record<string, string>) => (JSON.parse(entry["body"] ?? "") as { id: string }).id
        // The stream is fanned out in order: once an event of `a` arrives, everything before it was handled.
        const fence = async () => {
          const entry = taskEvent(a)
          await produce(edge, [entry])
          await client.next((frame) => frame.type === "event" && frame.payload["id"] === idOf(entry))
        }

        await produce(edge, [taskEvent(b)])
        await fence()
        client.send({ type: "subscribe", payload: { topics: [`task:${b}`] } })
        await handled(client)
        const during = taskEvent(b)
        await produce(edge, [during])
        await fence()
        client.send({ type: "unsubscribe", payload: { topics: [`task:${b}`] } })
        await handled(client)
        await produce(edge, [taskEvent(b)])
        await fence()

        expect(receivedIds(client.frames, `task:${b}`)).toEqual([idOf(during)])
        await client.close()
      })

      it("acks a subscribe or unsubscribe frame with an id only on a socket opened with acks=1 (beyond PROTOCOL v1.1)", async () => {
        const [a, b] = [randomUUID(), randomUUID()]
        // As PROTOCOL has it: no answer to an accepted frame, with or without an id.
        const plain = await TestClient.open(edge.url(`/ws/events?topics=task:${a}`))
        plain.send({ type: "subscribe", id: "s-1", payload: { topics: [`task:${b}`] } })
        await handled(plain)
        expect(plain.frames.map((frame) => frame.type)).toEqual(["error"])
        await plain.close()

        const acked = await TestClient.open(edge.url(`/ws/events?topics=task:${a}&acks=1`))
        acked.send({ type: "subscribe", id: "s-1", payload: { topics: [`task:${b}`] } })
        const ack = await acked.next((frame) => frame.type === "ack")
        expect(acked.texts[acked.frames.indexOf(ack)]).toMatch(/^\{"type":"ack","payload":\{"ref":"s-1"\},"timestamp":"[^"]+"\}$/u)
        // In effect once acked: an event appended from then on is sent under the topic.
        const after = taskEvent(b)
        await produce(edge, [after])
        const event = await acked.next((frame) => frame.type === "event")
        expect(event.payload).toMatchObject({ topic: `task:${b}`, id: (JSON.parse(after["body"] ?? "") as { id: string }).id })
        acked.send({ type: "unsubscribe", id: "u-1", payload: { topics: [`task:${b}`] } })
        expect((await acked.next((frame) => frame.type === "ack" && frame.payload["ref"] === "u-1")).payload).toEqual({ ref: "u-1" })
        // A frame without an id is not answered, acks or not.
        acked.send({ type: "subscribe", payload: { topics: [`task:${b}`] } })
        await handled(acked)
        expect(acked.frames.filter((frame) => frame.type === "ack")).toHaveLength(2)
        await acked.close()

        const refused = await TestClient.open(edge.url("/ws/events?topics=tasks&acks=yes")).catch((error: unknown) => error)
        expect(refused).toMatchObject({
          status: 400,
          body: { error: { code: "validation_failed", message: expect.stringContaining("acks") } },
        })
      })

      it("refuses unknown topics at the upgrade with 400, and in a frame with validation_failed", async () => {
        const refused = await TestClient.open(edge.url("/ws/events?topics=tasks,everything")).then(
          () => undefined,
          (error: unknown) => error as Refusal,
        )
        expect(refused?.status).toBe(400)
        expect(refused?.body).toMatchObject({ error: { code: "validation_failed", message: expect.stringContaining("topics") } })

        const client = await TestClient.open(edge.url("/ws/events"))
        client.send({ type: "subscribe", id: "s-1", payload: { topics: ["task:not-a-uuid"] } })
        const error = await client.next((frame) => frame.type === "error")
        expect(error.payload).toMatchObject({ code: "validation_failed", ref: "s-1" })
        client.send({ type: "subscribe", payload: { topics: ["machines"] } })
        await handled(client)
        await produce(edge, [taskEvent(randomUUID())])
        await client.next((frame) => frame.type === "event" && frame.payload["topic"] === "machines")
        await client.close()
      })
    })
  })
}
