// The SDK's subscriber and mirrors against a real edge and runtime: events come once each (one event
// on two followed topics is delivered once), a dropped socket resumes with `since` and misses nothing,
// mirrors of a session and of 100 tasks fed through such a reconnect equal `GET` of each, and a
// mirror whose topic the subscriber takes late misses nothing either.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mirror, subscribe, type SubscribedEvent } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { FAST_BACKOFF, gate, subscribeHold } from "./support.ts"

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(async () => {
  await t?.close()
})

const withoutTasks = ({ tasks: _tasks, ...view }: Record<string, unknown>) => view

describe("subscribe", () => {
  it("delivers each event once, as an async iterator and to callbacks", async () => {
    const created = await t.api.post("/api/v1/tasks", { title: "watched", capability: "sub-none" })
    const taskId = created.body.id as string
    const heard: SubscribedEvent[] = []
    const sub = subscribe({
      url: t.url,
      token: t.operatorToken,
      topics: ["tasks", `task:${taskId}`],
      onEvent: (e) => heard.push(e),
      backoff: FAST_BACKOFF,
    })
    const iterated: SubscribedEvent[] = []
    const reading = (async () => {
      for await (const event of sub) {
        if (event.actor_id !== taskId) continue
        iterated.push(event)
        if (event.to === "cancelled") break
      }
    })()
    await sub.ready()
    expect((await t.api.post(`/api/v1/tasks/${taskId}/cancel?wait=1`, { reason: "seen" })).status).toBe(200)
    await reading
    expect(iterated).toHaveLength(1)
    expect(iterated[0]).toMatchObject({ kind: "task", actor_id: taskId, from: "ready", to: "cancelled", patch: { status: "cancelled" } })
    expect(iterated[0]?.cursor).toMatch(/^\d+-\d+$/u)
    expect(heard.filter((e) => e.actor_id === taskId).map((e) => e.id)).toEqual([iterated[0]?.id])
    expect(sub.cursor).toBe(iterated[0]?.cursor)
    await sub.close()
  })

  it("keeps mirrors of a session and 100 tasks equal to GET through a reconnect with since", { timeout: 60_000 }, async () => {
    const net = gate()
    const sub = subscribe({
      url: t.url,
      token: t.operatorToken,
      topics: ["tasks", "sessions"],
      WebSocket: net.WebSocket,
      backoff: FAST_BACKOFF,
    })
    const ids: string[] = []
    const repeats: string[] = []
    sub.onEvent((event) => (ids.includes(event.id) ? repeats.push(event.id) : ids.push(event.id)))
    await sub.ready()

    const session = await t.api.post("/api/v1/sessions", {
      title: "mirrored",
      start: true,
      tasks: [
        { key: "a", title: "first", capability: "mirror-none" },
        { key: "b", title: "second", capability: "mirror-none", depends_on: ["a"] },
      ],
    })
    expect(session.status).toBe(201)
    const batch = await t.api.post("/api/v1/tasks/batch", {
      tasks: Array.from({ length: 100 }, (_, i) => ({ title: `task ${i}`, capability: "mirror-none", payload: { i } })),
    })
    expect(batch.status).toBe(202)
    const taskIds = (batch.body.items as Array<{ id: string }>).map((item) => item.id)

    const sessionMirror = sub.mirror("session", session.body.id as string)
    const taskMirrors = taskIds.map((id) => sub.mirror("task", id))
    await Promise.all(taskMirrors.map((m) => m.until((view) => view.status === "ready")))
    await sessionMirror.until((view) => view.status === "queued")

    // The socket is lost and stays down while half the tasks and the session change.
    net.close()
    sub.drop()
    const cancel = async (ids: string[], reason: string) => {
      const answers = await Promise.all(ids.map((id) => t.api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason })))
      expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 200))
    }
    await cancel(taskIds.slice(0, 50), "while away")
    expect((await t.api.post(`/api/v1/sessions/${session.body.id}/pause?wait=1`)).status).toBe(200)
    net.open()
    await cancel(taskIds.slice(50), "after")
    expect((await t.api.post(`/api/v1/sessions/${session.body.id}/resume?wait=1`)).status).toBe(200)

    await Promise.all(taskMirrors.map((m) => m.until((view) => view.status === "cancelled")))
    const finalSession = (await t.api.get(`/api/v1/sessions/${session.body.id}`)).body
    await sessionMirror.until((view) => view.version === finalSession.version)
    expect(sessionMirror.view).toEqual(withoutTasks(finalSession))
    for (const m of taskMirrors) expect(m.view).toEqual((await t.api.get(`/api/v1/tasks/${m.id}`)).body)

    // It came back with `since`, and the replay filled the gap: no mirror had to read its view again.
    expect(net.urls.at(-1)).toMatch(/since=\d+-\d+/u)
    expect([sessionMirror, ...taskMirrors].map((m) => m.fetches)).toEqual(Array(101).fill(1))
    expect(repeats).toEqual([])
    await sub.close()
  })

  it("reads the view again on a version gap", async () => {
    const session = await t.api.post("/api/v1/sessions", {
      title: "gappy",
      start: true,
      tasks: [{ key: "a", title: "a", capability: "gap-none" }],
    })
    const id = session.body.id as string
    const sub = subscribe({ url: t.url, token: t.operatorToken, topics: [`session:${id}`], backoff: FAST_BACKOFF })
    await sub.ready()
    const copy = sub.mirror("session", id)
    await copy.until((view) => view.status === "queued")
    expect(copy.fetches).toBe(1)
    // Not following the session while it pauses: the mirror misses that version.
    sub.unfollow([`session:${id}`])
    expect((await t.api.post(`/api/v1/sessions/${id}/pause?wait=1`)).status).toBe(200)
    sub.follow([`session:${id}`])
    expect((await t.api.post(`/api/v1/sessions/${id}/resume?wait=1`)).status).toBe(200)
    const final = (await t.api.get(`/api/v1/sessions/${id}`)).body
    const view = await copy.until((v) => v.version === final.version)
    expect(copy.fetches).toBe(2)
    expect(view).toEqual(withoutTasks(final))
    await sub.close()
  })

  it("misses nothing when the subscriber takes the mirror's new topic only after its GET and an event", async () => {
    const session = await t.api.post("/api/v1/sessions", {
      title: "late follow",
      start: true,
      tasks: [{ key: "a", title: "a", capability: "late-none" }],
    })
    const id = session.body.id as string
    const versionNow = async () => (await t.api.get(`/api/v1/sessions/${id}`)).body.version as number
    // A mirror on its own socket (following the session since its upgrade) shows when an event went out.
    const witness = mirror({ url: t.url, token: t.operatorToken, backoff: FAST_BACKOFF }, "session", id)
    await witness.ready()

    const net = subscribeHold()
    const sub = subscribe({ url: t.url, token: t.operatorToken, topics: ["agents"], WebSocket: net.WebSocket, backoff: FAST_BACKOFF })
    const fromSubscriber: SubscribedEvent[] = []
    sub.onEvent((event) => event.actor_id === id && fromSubscriber.push(event))
    await sub.ready()
    // The `subscribe` frame is slow to reach the server: the GET, and then a pause, come first.
    net.hold()
    const copy = sub.mirror("session", id)
    expect(sub.topics).toContain(`session:${id}`)
    await copy.until((view) => view.status === "queued")
    expect((await t.api.post(`/api/v1/sessions/${id}/pause?wait=1`)).status).toBe(200)
    const paused = await versionNow()
    await witness.until((view) => view.version === paused)
    net.release()
    expect(await copy.until((view) => view.version === paused)).toEqual(withoutTasks((await t.api.get(`/api/v1/sessions/${id}`)).body))
    expect(fromSubscriber).toEqual([])

    // Once the subscriber itself delivers an event of the session, the mirror's bridge closes.
    const bridge = net.sockets[1]
    expect(net.sockets).toHaveLength(2)
    const bridgeClosed = new Promise((resolve) => bridge?.once("close", resolve))
    let running = false
    const toggle = async () => {
      expect((await t.api.post(`/api/v1/sessions/${id}/${running ? "pause" : "resume"}?wait=1`)).status).toBe(200)
      running = !running
    }
    while (fromSubscriber.length === 0) {
      await toggle()
      const version = await versionNow()
      await copy.until((view) => view.version === version)
    }
    await bridgeClosed
    // From then on the subscriber alone keeps the mirror exact.
    await toggle()
    const final = (await t.api.get(`/api/v1/sessions/${id}`)).body
    expect(await copy.until((view) => view.version === final.version)).toEqual(withoutTasks(final))
    expect(copy.fetches).toBe(1)
    await sub.close()
    witness.close()
  })

  it("stops with unauthorized when the token is refused, ending its iterators", async () => {
    const sub = subscribe({ url: t.url, token: "not-a-token", topics: ["tasks"], backoff: FAST_BACKOFF })
    await expect(sub.ready()).rejects.toMatchObject({ code: "unauthorized", status: 401 })
    await expect(sub[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "unauthorized" })
  })
})
