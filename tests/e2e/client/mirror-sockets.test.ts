// How many sockets mirrors keep open, against a real edge: quiet mirrors (actors with nothing
// happening) of one subscriber share one bridge socket, closed with the last of them; a subscriber's
// topics followed for mirrors are unfollowed when the last mirror of the actor closes; standalone
// `mirror()`s of one server share one socket (and its bridge), closed when the last mirror closes.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mirror, subscribe } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { closedSocket, openSockets, quietTask as quietTaskOf } from "../../support/quiet-tasks.ts"
import { FAST_BACKOFF, subscribeHold } from "./support.ts"

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(async () => {
  await t?.close()
})

const quietTask = (): Promise<string> => quietTaskOf(t, "mirror-sockets-none")

describe("mirror sockets", () => {
  it("shares one bridge among a subscriber's quiet mirrors and closes it with the last one", async () => {
    const net = subscribeHold()
    const sub = subscribe({ url: t.url, token: t.operatorToken, topics: ["agents"], WebSocket: net.WebSocket, backoff: FAST_BACKOFF })
    await sub.ready()
    const ids = [await quietTask(), await quietTask(), await quietTask()]
    const copies = ids.map((id) => sub.mirror("task", id))
    for (const [i, copy] of copies.entries()) {
      expect(await copy.ready()).toEqual((await t.api.get(`/api/v1/tasks/${ids[i]}`)).body)
    }
    expect(sub.topics).toEqual(["agents", ...ids.map((id) => `task:${id}`)])
    // The subscriber's socket and one bridge following the three topics (the bridge reopened for each
    // new topic: the older bridges closed once the newer was open).
    expect(sub.bridgeSockets).toBe(1)
    await Promise.all(net.sockets.slice(1, -1).map(closedSocket))
    expect(openSockets(net.sockets)).toBe(2)
    expect(net.sockets.at(-1)?.url).toContain(`topics=${ids.map((id) => `task%3A${id}`).join("%2C")}`)

    copies[0]?.close()
    copies[1]?.close()
    expect(sub.bridgeSockets).toBe(1)
    expect(sub.topics).toEqual(["agents", `task:${ids[2]}`])
    copies[2]?.close()
    expect(sub.bridgeSockets).toBe(0)
    await closedSocket(net.sockets.at(-1))
    expect(openSockets(net.sockets)).toBe(1)
    expect(sub.topics).toEqual(["agents"])
    await sub.close()
  })

  it("lets go of the bridge once the subscriber delivers an event of the actor, keeping the mirror", async () => {
    const sub = subscribe({ url: t.url, token: t.operatorToken, topics: ["agents"], backoff: FAST_BACKOFF })
    await sub.ready()
    const id = await quietTask()
    const copy = sub.mirror("task", id)
    await copy.ready()
    expect(sub.bridgeSockets).toBe(1)
    const delivered = new Promise((resolve) => sub.onEvent((event) => event.actor_id === id && resolve(event)))
    expect((await t.api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "enough" })).status).toBe(200)
    await delivered
    expect(sub.bridgeSockets).toBe(0)
    expect(await copy.until((view) => view.status === "cancelled")).toEqual((await t.api.get(`/api/v1/tasks/${id}`)).body)
    expect(sub.topics).toContain(`task:${id}`)
    copy.close()
    expect(sub.topics).toEqual(["agents"])
    await sub.close()
  })

  it("opens one socket for standalone mirrors of one server, and closes it with the last mirror", async () => {
    const net = subscribeHold()
    const options = { url: t.url, token: t.operatorToken, WebSocket: net.WebSocket, backoff: FAST_BACKOFF }
    const ids = [await quietTask(), await quietTask(), await quietTask()]
    const first = mirror(options, "task", ids[0] ?? "")
    await first.ready()
    const others = ids.slice(1).map((id) => mirror(options, "task", id))
    for (const [i, copy] of [first, ...others].entries()) {
      expect(await copy.ready()).toEqual((await t.api.get(`/api/v1/tasks/${ids[i]}`)).body)
    }
    // The shared socket, and its bridge for the two topics it follows with a frame.
    await Promise.all(net.sockets.slice(1, -1).map(closedSocket))
    expect(openSockets(net.sockets)).toBe(2)
    expect(net.sockets[0]?.url).toContain(`topics=task%3A${ids[0]}`)

    // Other connection options (here another backoff) do not share it.
    const alone = mirror({ ...options, backoff: { ...FAST_BACKOFF } }, "task", ids[0] ?? "")
    await alone.ready()
    expect(openSockets(net.sockets)).toBe(3)
    alone.close()

    first.close()
    for (const copy of others) copy.close()
    await Promise.all(net.sockets.map(closedSocket))
    expect(openSockets(net.sockets)).toBe(0)

    // A mirror after the last closed opens a socket again.
    const again = mirror(options, "task", ids[1] ?? "")
    expect(await again.ready()).toEqual((await t.api.get(`/api/v1/tasks/${ids[1]}`)).body)
    expect(openSockets(net.sockets)).toBe(1)
    again.close()
    await closedSocket(net.sockets.at(-1))
  })
})
