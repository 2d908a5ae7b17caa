// A subscriber's bridge: one extra event socket, shared by every mirror whose topic the subscriber
// has asked to follow with a `subscribe` frame that is not yet known to have taken effect (the
// server answers that frame with nothing, unless it acks them: beyond PROTOCOL v1.1). The bridge
// follows all those topics from its upgrade, so a mirror's first `GET` can wait for it and miss
// nothing. A mirror lets go of its hold once the subscriber itself delivers an event of its actor,
// once the server acked its topic and the actor stayed quiet for a while (./mirror.ts), or when it
// closes; the socket closes when the last hold goes. A new topic cannot be added to an open socket
// exactly (that would be a `subscribe` frame again), so it opens a socket following every held topic,
// and the older one closes once the newer is open.
import type { Subscriber } from "./subscriber.ts"
import type { SubscribedEvent } from "./types.ts"

/** What a mirror takes its events and resets from. */
export interface EventSource {
  onEvent(listener: (event: SubscribedEvent) => void): () => void
  onReset(listener: () => void): () => void
}

/** One mirror's use of the bridge. */
export interface BridgeHold extends EventSource {
  /** Resolves once a socket that followed the topic at its upgrade is open (or the bridge stopped). */
  ready(): Promise<void>
  /** The mirror needs the bridge no more; idempotent. */
  release(): void
}

interface BridgeSocket {
  readonly subscriber: Subscriber
  readonly topics: ReadonlySet<string>
  /** Resolves when this socket opened, stopped, or was replaced by a newer open one. */
  readonly opened: Promise<void>
  settle(): void
}

export class Bridge {
  private readonly holds = new Map<string, number>()
  /** Oldest first; the last one follows every held topic. */
  private sockets: BridgeSocket[] = []
  private readonly eventListeners = new Set<(event: SubscribedEvent) => void>()
  private readonly resetListeners = new Set<() => void>()

  /** `open(topics)` opens a subscriber following `topics` from its upgrade. */
  constructor(private readonly open: (topics: ReadonlyArray<string>) => Subscriber) {}

  /** True while some mirror holds `topic` (its `subscribe` frame is not yet proven). */
  holding(topic: string): boolean {
    return this.holds.has(topic)
  }

  /** How many sockets the bridge has open or opening (0 when nothing is held). */
  get socketCount(): number {
    return this.sockets.length
  }

  hold(topic: string): BridgeHold {
    this.holds.set(topic, (this.holds.get(topic) ?? 0) + 1)
    const newest = this.sockets.at(-1)
    const socket = newest?.topics.has(topic) ? newest : this.openSocket()
    let released = false
    const stops: Array<() => void> = []
    const listen = <L>(set: Set<L>, listener: L) => {
      set.add(listener)
      const stop = () => void set.delete(listener)
      stops.push(stop)
      return stop
    }
    return {
      ready: () => socket.opened,
      onEvent: (listener) => listen(this.eventListeners, listener),
      onReset: (listener) => listen(this.resetListeners, listener),
      release: () => {
        if (released) return
        released = true
        for (const stop of stops.splice(0)) stop()
        this.release(topic)
      },
    }
  }

  /** Closes every socket (the subscriber closed). */
  async close(): Promise<void> {
    this.holds.clear()
    await Promise.all(this.sockets.splice(0).map((socket) => this.closeSocket(socket)))
  }

  private release(topic: string): void {
    const left = (this.holds.get(topic) ?? 1) - 1
    if (left > 0) return void this.holds.set(topic, left)
    this.holds.delete(topic)
    if (this.holds.size === 0) return void this.close()
    for (const socket of this.sockets) socket.subscriber.unfollow([topic])
  }

  private openSocket(): BridgeSocket {
    const topics = new Set(this.holds.keys())
    const subscriber = this.open([...topics])
    let settle!: () => void
    const opened = new Promise<void>((resolve) => (settle = resolve))
    const socket: BridgeSocket = { subscriber, topics, opened, settle }
    subscriber.onEvent((event) => {
      for (const listener of [...this.eventListeners]) listener(event)
    })
    subscriber.onReset(() => {
      for (const listener of [...this.resetListeners]) listener()
    })
    subscriber.ready().then(
      () => this.replaceOlder(socket),
      () => settle(),
    )
    this.sockets.push(socket)
    return socket
  }

  /** `socket` is open and follows every topic the older ones do: they go. */
  private replaceOlder(socket: BridgeSocket): void {
    socket.settle()
    const index = this.sockets.indexOf(socket)
    if (index <= 0) return
    for (const older of this.sockets.splice(0, index)) void this.closeSocket(older)
  }

  private closeSocket(socket: BridgeSocket): Promise<void> {
    socket.settle()
    return socket.subscriber.close()
  }
}
