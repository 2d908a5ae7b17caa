// The event subscriber (PROTOCOL "Event subscription socket"): `subscribe({url, token, topics})`
// follows topics as an async iterator and through callbacks; each event is delivered once (repeats
// of a `payload.id`, as when two followed topics carry one event, are dropped); after a lost
// connection it reconnects with backoff and resumes with `since=<the last cursor>`, so nothing is
// missed or repeated. When the server cannot resume (the cursor fell out of the retained stream) it
// goes live again and tells its `onReset` listeners (mirrors refetch). Topics followed for mirrors are
// counted, and unfollowed when the last mirror of the actor closes.
import { Schema } from "effect"
import { EventServerFrame, plainEventFrame } from "../schema/frames.ts"
import type { BackoffOptions } from "./backoff.ts"
import { Bridge } from "./bridge.ts"
import { ClawbotError } from "./errors.ts"
import { frameDecoder } from "./frame-decoder.ts"
import { requester, type FetchLike, type Requester } from "./http.ts"
import { mirrorOf, type Mirror } from "./mirror.ts"
import { SeenIds } from "./seen.ts"
import { ReconnectingSocket } from "./socket.ts"
import { webSocketImpl, type WebSocketConstructor } from "./transport.ts"
import type { ActorKind, FleetFigures, SubscribedEvent } from "./types.ts"
import { socketUrl } from "./urls.ts"

export type SubscriberStatus = "connecting" | "open" | "reconnecting" | "closed"

export interface SubscribeOptions {
  /** `http://host:port` of the edge. */
  readonly url: string
  /** A viewer or operator token (sent as `?token=`, as browsers must); none with public reads. */
  readonly token?: string | undefined
  readonly topics: ReadonlyArray<string>
  /** Start after this cursor (a `cursor` seen earlier), replaying what came since. */
  readonly since?: string | undefined
  readonly onEvent?: ((event: SubscribedEvent) => void) | undefined
  /** Refusals by the server and the reason the subscriber stopped, if it does. */
  readonly onError?: ((error: ClawbotError) => void) | undefined
  readonly onStatus?: ((status: SubscriberStatus) => void) | undefined
  readonly WebSocket?: WebSocketConstructor | undefined
  readonly fetch?: FetchLike | undefined
  readonly backoff?: BackoffOptions | undefined
  /** Event ids remembered to drop repeats (default 10,000). */
  readonly dedupeWindow?: number | undefined
  /**
   * How long a mirror whose new topic the server has acknowledged (beyond PROTOCOL v1.1) keeps its bridge
   * waiting for its actor's first event before it lets go with one more `GET` (default 5,000 ms; see `mirror()`).
   */
  readonly bridgeIdleMs?: number | undefined
}

/** Events, the frames a subscriber gets most, by their plain check (src/schema/frames.ts `plainEventFrame`). */
const decodeFrame = frameDecoder(EventServerFrame, plainEventFrame)
const isTopicList = Schema.is(Schema.Array(Schema.String))

interface Waiter {
  resolve(result: IteratorResult<SubscribedEvent>): void
  reject(error: unknown): void
}

/** One iterator's queue: events buffered until read. */
class EventQueue implements AsyncIterableIterator<SubscribedEvent> {
  private readonly buffered: SubscribedEvent[] = []
  private readonly waiters: Waiter[] = []
  private ended: { error?: unknown } | undefined

  constructor(private readonly detach: (queue: EventQueue) => void) {}

  push(event: SubscribedEvent): void {
    const waiter = this.waiters.shift()
    if (waiter) waiter.resolve({ value: event, done: false })
    else this.buffered.push(event)
  }

  end(error?: unknown): void {
    if (this.ended) return
    this.ended = error === undefined ? {} : { error }
    for (const waiter of this.waiters.splice(0)) {
      if (error === undefined) waiter.resolve({ value: undefined, done: true })
      else waiter.reject(error)
    }
  }

  next(): Promise<IteratorResult<SubscribedEvent>> {
    const event = this.buffered.shift()
    if (event !== undefined) return Promise.resolve({ value: event, done: false })
    if (this.ended) {
      return this.ended.error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.ended.error)
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }))
  }

  return(): Promise<IteratorResult<SubscribedEvent>> {
    this.detach(this)
    this.end()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SubscribedEvent> {
    return this
  }
}

export class Subscriber implements AsyncIterable<SubscribedEvent> {
  private readonly topicSet: Set<string>
  /** The topics in the URL of the socket being opened (others are sent in a frame once it opens). */
  private urlTopics: ReadonlySet<string> = new Set()
  /** Topics followed for mirrors, with how many open mirrors need each (unfollowed at none). */
  private readonly mirrorTopics = new Map<string, number>()
  private bridge: Bridge | undefined
  /** The topics known to be in effect on the current socket: in its URL, or acked since it opened. */
  private readonly inEffect = new Set<string>()
  /** Topics of the `subscribe` frames sent on the current socket and not acked yet, by frame id. */
  private readonly unacked = new Map<string, ReadonlyArray<string>>()
  private frameSeq = 0
  private readonly inEffectListeners = new Set<(topics: ReadonlyArray<string>) => void>()
  private repeatCount = 0
  private lastCursor: string | undefined
  private readonly seen: SeenIds
  private readonly socket: ReconnectingSocket
  private readonly eventListeners = new Set<(event: SubscribedEvent) => void>()
  private readonly resetListeners = new Set<() => void>()
  private readonly deadLetterListeners = new Set<(count: number) => void>()
  private readonly fleetListeners = new Set<(figures: FleetFigures) => void>()
  private readonly openListeners = new Set<() => void>()
  private readonly queues = new Set<EventQueue>()
  private readonly onStop = new Set<(error: ClawbotError) => void>()
  private readonly closeListeners = new Set<() => void>()
  /** Whether the socket being opened asked for `since` (a reopen without it may have missed events). */
  private resuming = false
  private stoppedWith: ClawbotError | undefined
  private opened = false
  private closedByUser = false
  /** The HTTP client mirrors read their views with. */
  readonly request: Requester

  /** `mirrorTopics`: those of `options.topics` followed for mirrors only (see `mirror()`; ./open-mirror.ts). */
  constructor(
    private readonly options: SubscribeOptions,
    mirrorTopics: ReadonlyArray<string> = [],
  ) {
    this.topicSet = new Set(options.topics)
    for (const topic of mirrorTopics) if (this.topicSet.has(topic)) this.mirrorTopics.set(topic, 0)
    this.lastCursor = options.since
    this.seen = new SeenIds(options.dedupeWindow)
    this.request = requester({ url: options.url, token: options.token, fetch: options.fetch })
    if (options.onEvent) this.eventListeners.add(options.onEvent)
    this.socket = new ReconnectingSocket(
      {
        WebSocket: webSocketImpl(options.WebSocket),
        backoff: options.backoff,
        url: () => {
          this.resuming = this.lastCursor !== undefined
          this.urlTopics = new Set(this.topicSet)
          return socketUrl(options.url, "/ws/events", {
            token: options.token,
            topics: [...this.urlTopics].join(","),
            since: this.lastCursor,
            // Acks of `subscribe` frames (beyond PROTOCOL v1.1; a server without them ignores it).
            acks: "1",
          })
        },
      },
      {
        open: () => this.onOpen(),
        message: (text) => this.onMessage(text),
        lost: ({ retryInMs }) => {
          this.inEffect.clear()
          this.unacked.clear()
          if (retryInMs !== undefined) this.status("reconnecting")
        },
        stopped: (error) => this.stop(error),
      },
    )
    this.status("connecting")
    this.socket.start()
  }

  /** The cursor of the last event received: pass it as `since` to resume from there later. */
  get cursor(): string | undefined {
    return this.lastCursor
  }

  /**
   * How many event frames were dropped as repeats of an id already delivered: one per extra followed
   * topic that carries an event (`tasks` and `task:<id>`), and any the server sent twice.
   */
  get repeats(): number {
    return this.repeatCount
  }

  get topics(): ReadonlyArray<string> {
    return [...this.topicSet]
  }

  /** Resolves once the socket is open (the first time); rejects if the subscriber stopped before. */
  ready(): Promise<void> {
    if (this.opened && this.socket.isOpen) return Promise.resolve()
    if (this.stoppedWith) return Promise.reject(this.stoppedWith)
    return new Promise((resolve, reject) => {
      const done = () => {
        this.openListeners.delete(done)
        resolve()
      }
      this.openListeners.add(done)
      const failed = (error: ClawbotError) => reject(error)
      this.onStop.add(failed)
    })
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  onEvent(listener: (event: SubscribedEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  /** Calls `listener` once when the subscriber is closed (`close()`); returns the function that stops it. */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener)
    return () => this.closeListeners.delete(listener)
  }

  /**
   * Calls `listener` with topics once they are known to be in effect on the socket: at its opening for those of its
   * URL, and when the server acknowledges the `subscribe` frame of others (beyond PROTOCOL v1.1; a server that does
   * not acknowledge never proves those). Every event appended to the stream from then on is delivered under them.
   */
  onTopicsInEffect(listener: (topics: ReadonlyArray<string>) => void): () => void {
    this.inEffectListeners.add(listener)
    return () => this.inEffectListeners.delete(listener)
  }

  /** True when `topic` is known to be in effect on the open socket (see `onTopicsInEffect`). */
  inEffectNow(topic: string): boolean {
    return this.inEffect.has(topic)
  }

  /** Calls `listener` when events may have been missed (the server could not resume): refetch what you keep. */
  onReset(listener: () => void): () => void {
    this.resetListeners.add(listener)
    return () => this.resetListeners.delete(listener)
  }

  /** Calls `listener` with the dead letters' total each time it changes, when following the `dead_letters`
   * topic (beyond PROTOCOL v1.1); returns the function that stops it. */
  onDeadLetters(listener: (count: number) => void): () => void {
    this.deadLetterListeners.add(listener)
    return () => this.deadLetterListeners.delete(listener)
  }

  /** Calls `listener` with the fleet's figures (inbox lag, dead letters) each second, when following the `fleet`
   * topic (beyond PROTOCOL v1.1); returns the function that stops it. */
  onFleet(listener: (figures: FleetFigures) => void): () => void {
    this.fleetListeners.add(listener)
    return () => this.fleetListeners.delete(listener)
  }

  /** Each call gives an iterator of the events from then on; `break` detaches it. */
  [Symbol.asyncIterator](): AsyncIterableIterator<SubscribedEvent> {
    const queue = new EventQueue((q) => this.queues.delete(q))
    if (this.closedByUser || this.stoppedWith) queue.end(this.stoppedWith)
    else this.queues.add(queue)
    return queue
  }

  /** Follows more topics (a `subscribe` frame; sent again with the topics on every reconnect). */
  follow(topics: ReadonlyArray<string>): void {
    // Followed by the caller now: no longer unfollowed when the mirrors of the actor close.
    for (const topic of topics) this.mirrorTopics.delete(topic)
    this.addTopics(topics)
  }

  /** Stops following topics. */
  unfollow(topics: ReadonlyArray<string>): void {
    for (const topic of topics) this.mirrorTopics.delete(topic)
    this.removeTopics(topics)
  }

  /** True when the topics followed carry every transition of `kind:id`. */
  covers(kind: ActorKind, id: string): boolean {
    return this.topicSet.has("machines") || this.topicSet.has(`${kind}s`) || this.topicSet.has(`${kind}:${id}`)
  }

  /** How many bridge sockets are open or opening for mirrors (see `mirror()`): 0 once none is needed. */
  get bridgeSockets(): number {
    return this.bridge?.socketCount ?? 0
  }

  /**
   * A live copy of one actor's view, from one `GET` and the patches of its events (see ./mirror.ts).
   * When the topics do not cover it yet, its topic is followed until the last mirror of the actor
   * closes, and the subscriber's bridge (./bridge.ts: one socket for all such mirrors, following
   * their topics from its upgrade) feeds the mirror until this subscriber delivers the actor's first
   * event, or the mirror closes.
   */
  mirror<K extends ActorKind>(kind: K, id: string): Mirror<K> {
    const topic = `${kind}:${id}`
    const listed = this.topicSet.has("machines") || this.topicSet.has(`${kind}s`)
    const callers = this.topicSet.has(topic) && !this.mirrorTopics.has(topic)
    // Covered by the caller's topics, or closed (a mirror of a closed subscriber never reads).
    if (listed || callers || this.closedByUser || this.stoppedWith !== undefined) return mirrorOf(this, kind, id)
    const followed = this.topicSet.has(topic)
    this.addTopics([topic])
    this.mirrorTopics.set(topic, (this.mirrorTopics.get(topic) ?? 0) + 1)
    const closed = () => this.mirrorClosed(topic)
    // Followed for earlier mirrors, and proven by an event since (no longer held on the bridge).
    if (followed && this.bridge?.holding(topic) !== true) return mirrorOf(this, kind, id, { closed })
    const { onEvent: _onEvent, onStatus: _onStatus, since: _since, ...options } = this.options
    this.bridge ??= new Bridge((topics) => new Subscriber({ ...options, topics }))
    return mirrorOf(this, kind, id, { bridge: this.bridge.hold(topic), closed, bridgeIdleMs: this.options.bridgeIdleMs })
  }

  /** Drops the connection as if the network lost it (it reconnects and resumes): for tests and drills. */
  drop(): void {
    this.socket.drop()
  }

  /** Closes the socket for good and ends every iterator. */
  async close(): Promise<void> {
    if (this.closedByUser) return
    this.closedByUser = true
    await Promise.all([this.socket.close(), this.bridge?.close()])
    for (const queue of this.queues) queue.end()
    this.queues.clear()
    for (const listener of [...this.closeListeners]) listener()
    this.closeListeners.clear()
    this.status("closed")
  }

  private addTopics(topics: ReadonlyArray<string>): void {
    const added = topics.filter((topic) => !this.topicSet.has(topic))
    if (added.length === 0) return
    for (const topic of added) this.topicSet.add(topic)
    this.sendSubscribe(added)
  }

  /** A `subscribe` frame with an id, so a server that acks them says when the topics are in effect. */
  private sendSubscribe(topics: ReadonlyArray<string>): void {
    const id = `s-${(this.frameSeq += 1)}`
    // Not open: the topics go in the next socket's URL, or in a frame once it opens (onOpen).
    if (this.socket.send(JSON.stringify({ type: "subscribe", id, payload: { topics } }))) this.unacked.set(id, topics)
  }

  private removeTopics(topics: ReadonlyArray<string>): void {
    const removed = topics.filter((topic) => this.topicSet.delete(topic))
    for (const topic of removed) this.inEffect.delete(topic)
    if (removed.length > 0) this.socket.send(JSON.stringify({ type: "unsubscribe", payload: { topics: removed } }))
  }

  /** `topics` are in effect on the socket (still followed): tell the listeners. */
  private takeEffect(topics: ReadonlyArray<string>): void {
    const followed = topics.filter((topic) => this.topicSet.has(topic))
    if (followed.length === 0) return
    for (const topic of followed) this.inEffect.add(topic)
    for (const listener of [...this.inEffectListeners]) listener(followed)
  }

  private mirrorClosed(topic: string): void {
    const left = (this.mirrorTopics.get(topic) ?? 0) - 1
    if (left > 0) return void this.mirrorTopics.set(topic, left)
    if (!this.mirrorTopics.delete(topic)) return
    this.removeTopics([topic])
  }

  private onOpen(): void {
    // Topics changed while the socket was opening, after its URL was built: the frames went nowhere.
    const added = [...this.topicSet].filter((topic) => !this.urlTopics.has(topic))
    const removed = [...this.urlTopics].filter((topic) => !this.topicSet.has(topic))
    this.inEffect.clear()
    this.unacked.clear()
    if (added.length > 0) this.sendSubscribe(added)
    if (removed.length > 0) this.socket.send(JSON.stringify({ type: "unsubscribe", payload: { topics: removed } }))
    const reopened = this.opened
    this.opened = true
    this.status("open")
    for (const listener of [...this.openListeners]) listener()
    // The topics of its URL are in effect from its upgrade on.
    this.takeEffect([...this.urlTopics])
    // Reopened without a cursor to resume from (no event had come yet): whatever passed meanwhile is unknown.
    if (reopened && !this.resuming) for (const listener of [...this.resetListeners]) listener()
  }

  private onMessage(text: string): void {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      this.options.onError?.(new ClawbotError({ code: "internal", message: `events: a frame that is not JSON: ${text.slice(0, 80)}` }))
      return
    }
    const decoded = decodeFrame(value)
    if (!decoded.ok) {
      this.options.onError?.(new ClawbotError({ code: "internal", message: `events: an unexpected frame: ${decoded.error.message}` }))
      return
    }
    const frame = value as
      | { type: "event"; cursor?: string; payload: SubscribedEvent }
      | { type: "error"; payload: { code: ClawbotError["code"]; message: string; ref?: string } }
      | { type: "ack"; payload: { ref: string } }
      | { type: "dead_letters"; payload: { count: number } }
      | { type: "fleet"; payload: FleetFigures }
    if (frame.type === "error") {
      this.onServerError(new ClawbotError(frame.payload))
      return
    }
    if (frame.type === "ack") {
      const topics = this.unacked.get(frame.payload.ref)
      this.unacked.delete(frame.payload.ref)
      if (topics !== undefined) this.takeEffect(topics)
      return
    }
    if (frame.type === "dead_letters") {
      for (const listener of [...this.deadLetterListeners]) listener(frame.payload.count)
      return
    }
    if (frame.type === "fleet") {
      for (const listener of [...this.fleetListeners]) listener(frame.payload)
      return
    }
    if (typeof frame.cursor === "string") this.lastCursor = frame.cursor
    if (this.seen.check(frame.payload.id)) {
      this.repeatCount += 1
      return
    }
    const event: SubscribedEvent = { ...frame.payload, cursor: this.lastCursor ?? "" }
    for (const listener of [...this.eventListeners]) listener(event)
    for (const queue of this.queues) queue.push(event)
  }

  /**
   * A `since` the server cannot replay (older than the retained stream: `conflict`; after its newest
   * event, as after the stream was reset: `validation_failed`) leaves the socket open with no topic:
   * follow the topics again, live from now, and tell the listeners that events may be missing.
   */
  private onServerError(error: ClawbotError): void {
    const cannotResume = error.message.startsWith("since:") && (error.code === "conflict" || error.code === "validation_failed")
    if (error.ref !== undefined) this.unacked.delete(error.ref)
    if (cannotResume) {
      this.lastCursor = undefined
      this.inEffect.clear()
      if (this.topicSet.size > 0) this.sendSubscribe([...this.topicSet])
      for (const listener of [...this.resetListeners]) listener()
    }
    this.options.onError?.(error)
  }

  private stop(error: ClawbotError): void {
    this.stoppedWith = error
    this.options.onError?.(error)
    for (const listener of [...this.onStop]) listener(error)
    for (const queue of this.queues) queue.end(error)
    this.queues.clear()
    this.status("closed")
  }

  private status(status: SubscriberStatus): void {
    this.options.onStatus?.(status)
  }
}

/** Follows `topics` on the event socket: iterate it (`for await`) or pass `onEvent`. */
export function subscribe(options: SubscribeOptions): Subscriber {
  if (!isTopicList(options.topics)) throw new TypeError("subscribe: topics must be a list of topic names")
  return new Subscriber(options)
}
