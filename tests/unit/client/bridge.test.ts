// A subscriber's bridge (src/client/bridge.ts) over fake sockets: one socket for every held topic, a
// new topic reopening it with all of them and the older closing once the newer is open (a hold on
// the older resolves then too), events of every socket reaching the holds, a topic let go unfollowed,
// and the socket closed with the last hold.
import { describe, expect, it } from "vitest"
import { Bridge } from "../../../src/client/bridge.ts"
import type { Subscriber } from "../../../src/client/subscriber.ts"
import type { SubscribedEvent } from "../../../src/client/types.ts"

/** A socket that opens when the test says so, records what is done to it, and delivers events on demand. */
class FakeSocket {
  closed = false
  readonly unfollowed: string[] = []
  private readonly events = new Set<(event: SubscribedEvent) => void>()
  private opened!: () => void
  private readonly isOpen = new Promise<void>((resolve) => (this.opened = resolve))
  constructor(readonly topics: ReadonlyArray<string>) {}
  open(): void {
    this.opened()
  }
  deliver(event: SubscribedEvent): void {
    for (const listener of this.events) listener(event)
  }
  ready = () => this.isOpen
  onEvent = (listener: (event: SubscribedEvent) => void) => {
    this.events.add(listener)
    return () => this.events.delete(listener)
  }
  onReset = () => () => undefined
  unfollow = (topics: ReadonlyArray<string>) => void this.unfollowed.push(...topics)
  close = async () => void (this.closed = true)
}

const fakeBridge = () => {
  const sockets: FakeSocket[] = []
  const bridge = new Bridge((topics) => {
    const socket = new FakeSocket(topics)
    sockets.push(socket)
    return socket as unknown as Subscriber
  })
  return { bridge, sockets }
}

const event = (id: string) => ({ id, actor_id: "a", kind: "task", version: 1 }) as SubscribedEvent

describe("Bridge", () => {
  it("reopens with every held topic and closes the older socket once the newer is open", async () => {
    const { bridge, sockets } = fakeBridge()
    const a = bridge.hold("task:a")
    const b = bridge.hold("task:b")
    expect(sockets.map((socket) => socket.topics)).toEqual([["task:a"], ["task:a", "task:b"]])
    expect(bridge.socketCount).toBe(2)
    // The newer opens first: the older goes, and a hold waiting on it is ready as well.
    sockets[1]?.open()
    await Promise.all([a.ready(), b.ready()])
    expect(sockets.map((socket) => socket.closed)).toEqual([true, false])
    expect(bridge.socketCount).toBe(1)

    const seen: string[] = []
    a.onEvent((e) => seen.push(`a:${e.id}`))
    b.onEvent((e) => seen.push(`b:${e.id}`))
    sockets[1]?.deliver(event("1"))
    expect(seen).toEqual(["a:1", "b:1"])

    // A third hold of a held topic reuses the socket; letting go of one topic unfollows it there.
    const again = bridge.hold("task:b")
    expect(sockets).toHaveLength(2)
    a.release()
    a.release()
    expect(sockets[1]?.unfollowed).toEqual(["task:a"])
    expect(bridge.holding("task:a")).toBe(false)
    sockets[1]?.deliver(event("2"))
    expect(seen).toEqual(["a:1", "b:1", "b:2"])
    b.release()
    expect(sockets[1]?.closed).toBe(false)
    again.release()
    expect(sockets[1]?.closed).toBe(true)
    expect(bridge.socketCount).toBe(0)
    expect(bridge.holding("task:b")).toBe(false)
  })
})
