// Which topics a subscriber knows to be in effect on its socket (what lets a quiet mirror go of its
// bridge: src/client/mirror.ts), over a fake WebSocket: those of the socket's URL once it opens; a
// `subscribe` frame's once the server acks its id (beyond PROTOCOL v1.1, asked with `acks=1`); none
// after the socket is lost until the next one opens; none after a `since` the server could not replay
// until the frame following them again is acked. A refused frame's topics never count.
import { describe, expect, it } from "vitest"
import { Subscriber } from "../../../src/client/subscriber.ts"
import { FakeSocket, FakeWebSocket, socketsMade } from "../../support/fake-socket.ts"

const started = () => {
  FakeSocket.made = []
  const heard: string[][] = []
  const sub = new Subscriber({
    url: "http://edge",
    topics: ["tasks"],
    WebSocket: FakeWebSocket,
    backoff: { initialMs: 1, maxMs: 1 },
  })
  sub.onTopicsInEffect((topics) => heard.push([...topics]))
  return { sub, heard, socket: () => FakeSocket.made.at(-1) as FakeSocket }
}

describe("a subscriber's topics in effect", () => {
  it("are the URL's at the opening, and a subscribe frame's once acked", async () => {
    const { sub, heard, socket } = started()
    expect(socket().url).toContain("acks=1")
    expect(sub.inEffectNow("tasks")).toBe(false)
    socket().open()
    expect(heard).toEqual([["tasks"]])
    expect(sub.inEffectNow("tasks")).toBe(true)

    sub.follow(["task:a"])
    const frame = socket().sent.at(-1)
    expect(frame).toEqual({ type: "subscribe", id: expect.any(String), payload: { topics: ["task:a"] } })
    expect(sub.inEffectNow("task:a")).toBe(false)
    socket().receive({ type: "ack", payload: { ref: frame?.id }, timestamp: new Date().toISOString() })
    expect(heard).toEqual([["tasks"], ["task:a"]])
    expect(sub.inEffectNow("task:a")).toBe(true)

    // A refused frame's topics are not in effect, nor is an ack of an id never sent.
    sub.follow(["task:b"])
    const refused = socket().sent.at(-1)
    socket().receive({ type: "error", payload: { code: "validation_failed", message: "topics: at most 2", ref: refused?.id } })
    socket().receive({ type: "ack", payload: { ref: refused?.id } })
    socket().receive({ type: "ack", payload: { ref: "never-sent" } })
    expect(sub.inEffectNow("task:b")).toBe(false)
    await sub.close()
  })

  it("are none once the socket is lost, and the new socket's URL's once it opens", async () => {
    const { sub, heard, socket } = started()
    socket().open()
    sub.follow(["task:a"])
    socket().close(1006, "")
    expect(sub.inEffectNow("tasks")).toBe(false)
    await socketsMade(2)
    // Followed before the reconnect: in the new URL, in effect from its opening.
    expect(socket().url).toContain("task%3Aa")
    socket().open()
    expect(heard.at(-1)).toEqual(["tasks", "task:a"])
    expect(sub.inEffectNow("task:a")).toBe(true)
    await sub.close()
  })

  it("are none after a since the server cannot replay, until the frame following them again is acked", async () => {
    const { sub, socket } = started()
    socket().open()
    socket().receive({ type: "error", payload: { code: "conflict", message: "since: 1-0 is older than the retained event stream" } })
    expect(sub.inEffectNow("tasks")).toBe(false)
    const again = socket().sent.at(-1)
    expect(again).toMatchObject({ type: "subscribe", payload: { topics: ["tasks"] } })
    socket().receive({ type: "ack", payload: { ref: again?.id } })
    expect(sub.inEffectNow("tasks")).toBe(true)
    await sub.close()
  })
})
