// The shapes of frames (PROTOCOL v1.1): a client of the plain `ws` package reads the frames of both
// sockets as text and checks each byte by byte, key order included, against the frame PROTOCOL shows (its
// envelope `{type, id?, payload, timestamp}` on every frame but `event`, whose form PROTOCOL gives as
// `{type, cursor, payload}`); only the values the server picks (times, stream ids, the ids of pushed frames,
// a refusal's wording) are matched by their form.
import { randomUUID } from "node:crypto"
import { beforeAll, describe, expect, it } from "vitest"
import { ofType, TestClient, withRef, type Frame } from "./raw-client.ts"
import { produce, taskEvent } from "../events-support.ts"
import type { SocketEdge } from "../harness.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function frameShapes(shared: () => SharedEdge): void {
  describe("frame shapes, byte by byte", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    /** What stands for a value the server picks, and the form it must have. */
    const PICKED: Readonly<Record<string, string>> = {
      "<time>": String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`,
      "<stream-id>": String.raw`\d+-\d+`,
      "<push-id>": String.raw`[^"\\]{1,128}`,
      "<text>": String.raw`(?:[^"\\]|\\.)+`,
    }

    /** The exact text of `frame` as received, checked against `template` (PICKED placeholders aside). */
    const expectText = (client: TestClient, frame: Frame, template: string) => {
      const escaped = template.replace(/[.*+?^${}()|[\]\\]/gu, String.raw`\$&`)
      const pattern = Object.entries(PICKED).reduce((text, [name, form]) => text.replaceAll(name, form), escaped)
      expect(client.texts[client.frames.indexOf(frame)]).toMatch(new RegExp(`^${pattern}$`, "u"))
    }

    describe("control socket frames", () => {
      it("are connected first, then task_assigned, ack (of claim_task and task_started), error and task_cancelled exactly as PROTOCOL shows them", async () => {
        const agent = await edge.agent({ capabilities: ["conformance"], heartbeatIntervalMs: 7_000 })
        const bot = await TestClient.open(edge.url(`/ws/control?token=${agent.token}`))
        await edge.deployment.actor("agent", agent.id, (row) => row.state === "online")
        const connected = await bot.next(ofType("connected"))
        expect(bot.frames[0]).toBe(connected)
        expectText(
          bot,
          connected,
          `{"type":"connected","payload":{"agent_id":"${agent.id}","heartbeat_interval_ms":7000,"session_resumed":false},"timestamp":"<time>"}`,
        )

        const taskId = randomUUID()
        const payload = {
          id: taskId,
          title: "conform",
          capability: "conformance",
          dependsOn: [],
          blocked: false,
          payload: { n: 1, s: "é" },
        }
        await edge.deployment.append({ kind: "task", id: taskId, type: "CREATE", payload })
        const assigned = await bot.next(ofType("task_assigned"))
        expectText(
          bot,
          assigned,
          `{"type":"task_assigned","id":"<push-id>","payload":{"task_id":"${taskId}","capability":"conformance","title":"conform","payload":{"n":1,"s":"é"},"attempt":1,"deadline":"<time>"},"timestamp":"<time>"}`,
        )
        expect(Date.parse(String(assigned.payload["deadline"]))).toBeGreaterThan(Date.now())

        bot.send({ type: "claim_task", id: "c-1", payload: { task_id: taskId, attempt: 1 } })
        expectText(
          bot,
          await bot.next(withRef("ack", "c-1")),
          `{"type":"ack","payload":{"ref":"c-1","stream_id":"<stream-id>"},"timestamp":"<time>"}`,
        )
        bot.send({ type: "task_started", id: "s-1", payload: { task_id: taskId, attempt: 1 } })
        expectText(
          bot,
          await bot.next(withRef("ack", "s-1")),
          `{"type":"ack","payload":{"ref":"s-1","stream_id":"<stream-id>"},"timestamp":"<time>"}`,
        )
        await edge.deployment.actor("task", taskId, (row) => row.state === "in_progress")

        // A report naming an attempt that is not the task's: accepted into the stream, then refused.
        bot.send({ type: "task_progress", id: "p-1", payload: { task_id: taskId, attempt: 7, progress: 0.5 } })
        expectText(
          bot,
          await bot.next(withRef("error", "p-1")),
          `{"type":"error","payload":{"code":"conflict","message":"<text>","ref":"p-1"},"timestamp":"<time>"}`,
        )

        await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "not needed" } })
        expectText(
          bot,
          await bot.next(ofType("task_cancelled")),
          `{"type":"task_cancelled","id":"<push-id>","payload":{"task_id":"${taskId}","attempt":1,"reason":"not needed"},"timestamp":"<time>"}`,
        )
        // PROTOCOL's envelope: every frame of the socket carries the time it was sent.
        for (const frame of bot.frames) expect(Math.abs(Date.parse(frame.timestamp ?? "") - Date.now())).toBeLessThan(60_000)
        await bot.close()
      })
    })

    describe("event socket frames", () => {
      it("are event frames with their cursor, and error frames answering a refused subscribe", async () => {
        const taskId = randomUUID()
        const events = await TestClient.open(edge.url(`/ws/events?topics=task:${taskId}`))
        const entry = taskEvent(taskId)
        const [streamId] = await produce(edge, [entry])
        const event = await events.next(ofType("event"))
        const body = JSON.parse(String(entry["body"])) as { id: string; version: number; patch: unknown; at: string }
        expectText(
          events,
          event,
          `{"type":"event","cursor":"${streamId}","payload":{"id":"${body.id}","topic":"task:${taskId}","kind":"task","actor_id":"${taskId}","version":${body.version},"from":"ready","to":"assigned","event":"ASSIGN","patch":${JSON.stringify(body.patch)},"at":"${body.at}"}}`,
        )

        events.send({ type: "subscribe", id: "b-1", payload: { topics: ["nope"] } })
        expectText(
          events,
          await events.next(withRef("error", "b-1")),
          `{"type":"error","payload":{"code":"validation_failed","message":"<text>","ref":"b-1"},"timestamp":"<time>"}`,
        )
        await events.close()
      })
    })
  })
}
