// The event socket gives each subscriber the events of its topics only: the runtime's transitions
// reach SDK subscribers of `task:<id>`, `agents`, and `tasks` with `task:<id>`, as they should, each
// event once (the second copy of an event on two followed topics counted as a repeat). The frames
// themselves (once per topic, subscribe frames, refused topics): ./conformance/topic-frames.ts (in conformance.test.ts).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SubscribedEvent } from "../../../src/client/node.ts"
import { waitFor } from "../../support/runtime.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"
import { idsOf, recordEvents } from "./sdk-support.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

const eventOf = (actorId: string, to: string) => (event: SubscribedEvent) => event.actor_id === actorId && event.to === to

describe("event socket topics", () => {
  it("delivers the runtime's transitions to the subscribers of their topics only", async () => {
    const taskId = randomUUID()
    const [onTask, onAgents, onBoth] = await Promise.all([
      recordEvents(edge, { topics: [`task:${taskId}`] }),
      recordEvents(edge, { topics: ["agents"] }),
      recordEvents(edge, { topics: ["tasks", `task:${taskId}`] }),
    ])
    await edge.deployment.append({
      kind: "task",
      id: taskId,
      type: "CREATE",
      payload: { id: taskId, title: "watched", capability: "nobody", dependsOn: [], blocked: true },
    })
    await edge.deployment.append({ kind: "task", id: taskId, type: "SESSION_RUN", payload: { epoch: 0 } })
    const ready = await onTask.next(eventOf(taskId, "ready"))
    expect(ready).toMatchObject({ topic: `task:${taskId}`, kind: "task", actor_id: taskId, from: "blocked", event: "SESSION_RUN" })
    expect(ready).toMatchObject({ version: 2, patch: { status: "ready", version: 2 } })
    expect(ready.cursor).toMatch(/^\d+-\d+$/)

    const agent = await edge.agent()
    await onAgents.next((event) => event.actor_id === agent.id)
    await onBoth.next(eventOf(taskId, "ready"))
    await edge.deployment.append({ kind: "task", id: taskId, type: "CANCEL", payload: { reason: "enough" } })
    await onTask.next(eventOf(taskId, "cancelled"))
    await onBoth.next(eventOf(taskId, "cancelled"))

    expect(onTask.events.every((event) => event.actor_id === taskId && event.topic === `task:${taskId}`)).toBe(true)
    expect(onAgents.events.every((event) => event.kind === "agent" && event.topic === "agents")).toBe(true)
    // The task's events once each, the same as on its own topic; their second copies dropped as repeats.
    const perTask = idsOf(onTask.events)
    expect(idsOf(onBoth.events, taskId)).toEqual(perTask)
    await waitFor("the second copies", async () => (onBoth.subscriber.repeats >= perTask.length ? true : undefined))
    expect(onBoth.subscriber.repeats).toBe(perTask.length)
    expect(onTask.subscriber.repeats).toBe(0)
    await Promise.all([onTask, onAgents, onBoth].map(({ subscriber }) => subscriber.close()))
  })
})
