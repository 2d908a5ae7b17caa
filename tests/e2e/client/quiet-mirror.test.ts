// A quiet mirror lets go of its bridge socket, against a real edge: a mirror whose topic its subscriber
// follows with a `subscribe` frame holds the bridge (a socket following the topic from its upgrade) until
// the server acknowledges the frame (`acks=1`, beyond PROTOCOL v1.1) and then `bridgeIdleMs` pass with no
// event of its actor; it then reads its view once more, and the bridge closes with its last hold. The
// mirror stays exact on the subscriber's own socket. The same for standalone mirrors sharing a socket.
// (A mirror that sees its actor's event first lets go at that event: mirror-sockets.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mirror, subscribe } from "../../../src/client/node.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { closedSocket, openSockets, quietTask as quietTaskOf } from "../../support/quiet-tasks.ts"
import { waitFor } from "../../support/runtime.ts"
import { FAST_BACKOFF, subscribeHold } from "./support.ts"

let t: TestEdge
beforeAll(async () => {
  t = await testEdge()
})
afterAll(async () => {
  await t?.close()
})

const quietTask = (): Promise<string> => quietTaskOf(t, "quiet-mirror-none")

const cancel = async (id: string) => expect((await t.api.post(`/api/v1/tasks/${id}/cancel?wait=1`, { reason: "enough" })).status).toBe(200)

describe("a quiet mirror", () => {
  it("lets go of its subscriber's bridge once its topic is acked and it stayed idle, reading its view once more", async () => {
    const net = subscribeHold()
    const sub = subscribe({
      url: t.url,
      token: t.operatorToken,
      topics: ["agents"],
      WebSocket: net.WebSocket,
      backoff: FAST_BACKOFF,
      bridgeIdleMs: 50,
    })
    const ids: string[] = []
    sub.onEvent((event) => ids.push(event.actor_id))
    await sub.ready()
    const id = await quietTask()
    const copy = sub.mirror("task", id)
    expect(await copy.ready()).toEqual((await t.api.get(`/api/v1/tasks/${id}`)).body)
    // The subscriber's socket asked for acks; the bridge followed the task from its upgrade.
    expect(net.sockets[0]?.url).toContain("acks=1")
    expect(net.sockets[1]?.url).toContain(`topics=task%3A${id}`)

    await closedSocket(net.sockets[1])
    expect(sub.bridgeSockets).toBe(0)
    expect(openSockets(net.sockets)).toBe(1)
    await waitFor("the read after letting go", async () => (copy.fetches === 2 ? true : undefined))
    expect(ids).toEqual([])

    // Kept exact by the subscriber's own socket.
    await cancel(id)
    expect(await copy.until((view) => view.status === "cancelled")).toEqual((await t.api.get(`/api/v1/tasks/${id}`)).body)
    expect(ids).toContain(id)
    expect(copy.fetches).toBe(2)
    expect(sub.topics).toEqual(["agents", `task:${id}`])
    copy.close()
    expect(sub.topics).toEqual(["agents"])
    await sub.close()
  })

  it("lets go of the bridge of standalone mirrors sharing a socket, leaving that one socket", async () => {
    const net = subscribeHold()
    const options = { url: t.url, token: t.operatorToken, WebSocket: net.WebSocket, backoff: FAST_BACKOFF, bridgeIdleMs: 50 }
    const [first, second] = [await quietTask(), await quietTask()]
    const one = mirror(options, "task", first)
    await one.ready()
    const two = mirror(options, "task", second)
    expect(await two.ready()).toEqual((await t.api.get(`/api/v1/tasks/${second}`)).body)
    expect(net.sockets).toHaveLength(2)

    await closedSocket(net.sockets[1])
    expect(openSockets(net.sockets)).toBe(1)
    await cancel(second)
    expect(await two.until((view) => view.status === "cancelled")).toEqual((await t.api.get(`/api/v1/tasks/${second}`)).body)
    expect(one.view).toEqual((await t.api.get(`/api/v1/tasks/${first}`)).body)
    one.close()
    two.close()
    await closedSocket(net.sockets[0])
    expect(openSockets(net.sockets)).toBe(0)
  })
})
