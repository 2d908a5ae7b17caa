// A mirror: an exact copy of one actor's view, as `GET` answers it, kept live from one `GET` plus
// the merge patches of its events (PROTOCOL: `patch` turns the view at `version - 1` into the view at
// `version`). Events that arrive while the `GET` is in flight are held and applied after it, those it
// already contains skipped by version; a gap in versions, or a subscriber that could not resume,
// makes it `GET` again. A session's mirror is its view without the `tasks` list (which patches do
// not carry): mirror its tasks, or list them, for those.
// A mirror may also hold its subscriber's bridge (./bridge.ts): a socket that followed the actor's
// topic at its upgrade, for a subscriber that has just asked to follow it with a `subscribe` frame,
// which the server answers with nothing. The first `GET` waits for the bridge to open, and its events
// feed the mirror, so nothing between the `GET` and the server taking the frame is missed; the first
// event the subscriber itself delivers shows it follows the topic, and the mirror lets go of the bridge.
// A quiet actor sends no such event: once the server has acknowledged the subscriber's frame (beyond
// PROTOCOL v1.1), the mirror waits `bridgeIdleMs` for one, then lets go and reads the view once more.
// That read is what makes it exact: events appended after the ack reach the subscriber, those before
// are in the read (an event still on its way on the bridge would otherwise be lost unseen).
import { backoffDelay } from "./backoff.ts"
import type { BridgeHold, EventSource } from "./bridge.ts"
import { ClawbotError } from "./errors.ts"
import type { Subscriber } from "./subscriber.ts"
import type { ActorKind, ActorView, SubscribedEvent } from "./types.ts"
import { applyViewPatch, type JsonObject } from "./view-patch.ts"

export interface Mirror<K extends ActorKind = ActorKind> {
  readonly kind: K
  readonly id: string
  /** The current view; undefined until the first `GET` answered, or while the actor does not exist yet. */
  readonly view: ActorView<K> | undefined
  /** The view's version (0 before the actor exists). */
  readonly version: number
  /** How many times the view was read with `GET` (the first, then once per gap or reset; failed tries not counted). */
  readonly fetches: number
  /** Resolves with the view once there is one. */
  ready(): Promise<ActorView<K>>
  /** Resolves with the view once `predicate` holds for it (checked now and after every change). */
  until(predicate: (view: ActorView<K>) => boolean): Promise<ActorView<K>>
  /** Calls `listener` after every change, with the event that made it (none after a `GET`). */
  onChange(listener: (view: ActorView<K>, event: SubscribedEvent | undefined) => void): () => void
  /** Stops following; the subscriber stays open, and unfollows a topic it followed only for its mirrors once the last closes. */
  close(): void
}

/** How long a mirror whose topic is known in effect waits for its actor's first event before it lets go of the bridge. */
const BRIDGE_IDLE_MS = 5_000

const PATHS: Readonly<Record<ActorKind, string>> = { agent: "agents", session: "sessions", task: "tasks", context: "contexts" }

/** What `GET` answers minus the lists it links to (a session's `tasks`): the view patches apply to. */
const patchableView = (kind: ActorKind, body: JsonObject): JsonObject => {
  if (kind !== "session") return body
  const { tasks: _tasks, ...view } = body
  return view
}

class ActorMirror<K extends ActorKind> implements Mirror<K> {
  private current: JsonObject | undefined
  private currentVersion = 0
  /** Until the first `GET` starts (the subscriber opens), events are held for it. */
  private started = false
  private fetching = false
  private fetchAgain = false
  private held: SubscribedEvent[] = []
  private readonly listeners = new Set<(view: ActorView<K>, event: SubscribedEvent | undefined) => void>()
  private readonly detach: Array<() => void> = []
  private isClosed = false
  private failures = 0
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  fetches = 0

  constructor(
    private readonly subscriber: Subscriber,
    readonly kind: K,
    readonly id: string,
    private bridge: BridgeHold | undefined,
    private readonly closed: (() => void) | undefined,
    private readonly bridgeIdleMs = BRIDGE_IDLE_MS,
  ) {
    this.detach.push(
      this.feed(subscriber, () => this.releaseBridge()),
      subscriber.onClose(() => this.close()),
    )
    if (bridge) {
      this.detach.push(
        this.feed(bridge),
        subscriber.onTopicsInEffect((topics) => {
          if (topics.includes(this.topic)) this.waitIdle()
        }),
      )
      if (subscriber.inEffectNow(this.topic)) this.waitIdle()
    }
    ;(bridge ?? subscriber).ready().then(
      () => this.refetch(),
      () => undefined,
    )
  }

  /** Takes this actor's events and resets from `source`; `delivered` runs after each of its events. */
  private feed(source: EventSource, delivered?: () => void): () => void {
    const stopEvents = source.onEvent((event) => {
      if (event.kind !== this.kind || event.actor_id !== this.id) return
      this.receive(event)
      delivered?.()
    })
    const stopResets = source.onReset(() => this.refetch())
    return () => {
      stopEvents()
      stopResets()
    }
  }

  /**
   * The subscriber delivered an event of this actor, so it follows the topic: every later event
   * comes through it, and one the bridge had not delivered yet shows as a gap (read again, exactly).
   */
  private releaseBridge(): void {
    const bridge = this.bridge
    if (bridge === undefined) return
    this.bridge = undefined
    clearTimeout(this.idleTimer)
    bridge.release()
    // Let go before the bridge opened: the first `GET` goes now, which is exact as well.
    if (!this.started) this.refetch()
  }

  /**
   * The subscriber follows the actor's topic now (the server acked it): if no event of the actor comes
   * through it within `bridgeIdleMs`, let go of the bridge and read the view again (exact, see above).
   */
  private waitIdle(): void {
    if (this.bridge === undefined || this.idleTimer !== undefined) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      // Not in effect any more (the socket was lost, or could not resume and follows again): wait for the next proof.
      if (this.bridge === undefined || this.isClosed || !this.subscriber.inEffectNow(this.topic)) return
      const started = this.started
      this.releaseBridge()
      if (started) this.refetch()
    }, this.bridgeIdleMs)
  }

  private get topic(): string {
    return `${this.kind}:${this.id}`
  }

  get view(): ActorView<K> | undefined {
    return this.current as ActorView<K> | undefined
  }

  get version(): number {
    return this.currentVersion
  }

  ready(): Promise<ActorView<K>> {
    return this.until(() => true)
  }

  until(predicate: (view: ActorView<K>) => boolean): Promise<ActorView<K>> {
    const now = this.view
    if (now !== undefined && predicate(now)) return Promise.resolve(now)
    return new Promise((resolve) => {
      const stop = this.onChange((view) => {
        if (predicate(view)) {
          stop()
          resolve(view)
        }
      })
    })
  }

  onChange(listener: (view: ActorView<K>, event: SubscribedEvent | undefined) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const stop of this.detach.splice(0)) stop()
    this.releaseBridge()
    this.listeners.clear()
    this.closed?.()
  }

  private receive(event: SubscribedEvent): void {
    if (this.fetching || !this.started) {
      this.held.push(event)
      return
    }
    if (event.version <= this.currentVersion) return
    if (event.version === this.currentVersion + 1) {
      this.apply(event)
      return
    }
    this.held.push(event)
    this.refetch()
  }

  private apply(event: SubscribedEvent): void {
    this.current = applyViewPatch(this.current ?? {}, event.patch as JsonObject)
    this.currentVersion = event.version
    this.changed(event)
  }

  private changed(event: SubscribedEvent | undefined): void {
    const view = this.view
    if (view === undefined) return
    for (const listener of [...this.listeners]) listener(view, event)
  }

  /** Reads the view again, then applies the events held meanwhile that are newer. */
  private refetch(): void {
    if (this.isClosed) return
    if (this.fetching) {
      this.fetchAgain = true
      return
    }
    this.started = true
    this.fetching = true
    void this.fetchLoop()
  }

  private async fetchLoop(): Promise<void> {
    while (!this.isClosed) {
      this.fetchAgain = false
      try {
        const body = await this.subscriber.request<JsonObject>("GET", `/api/v1/${PATHS[this.kind]}/${this.id}`)
        this.fetches += 1
        this.current = patchableView(this.kind, body)
        this.currentVersion = typeof body["version"] === "number" ? body["version"] : 0
        this.failures = 0
      } catch (error) {
        if (!(error instanceof ClawbotError && error.code === "not_found")) {
          // Not reachable or refused: try again after a while; held events wait.
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.failures++)))
          continue
        }
        this.fetches += 1
        this.current = undefined
        this.currentVersion = 0
      }
      const held = this.held.sort((a, b) => a.version - b.version)
      this.held = []
      let gap = false
      for (const event of held) {
        if (event.version <= this.currentVersion) continue
        if (event.version !== this.currentVersion + 1) {
          gap = true
          this.held.push(event)
        } else if (!gap) this.current = applyViewPatch(this.current ?? {}, event.patch as JsonObject)
        if (!gap) this.currentVersion = event.version
      }
      this.changed(undefined)
      if (!gap && !this.fetchAgain) break
      // A gap right after a read: the events in between are on their way or were missed; read again shortly.
      if (gap) await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.failures++, { initialMs: 50, maxMs: 2_000 })))
    }
    this.fetching = false
  }
}

/**
 * The mirror of `kind:id` fed by `subscriber`, which must follow a topic carrying its events (or have
 * just asked to, with `bridge` held for the actor's topic; see above); `closed` runs once it closes.
 */
export const mirrorOf = <K extends ActorKind>(
  subscriber: Subscriber,
  kind: K,
  id: string,
  options: {
    readonly bridge?: BridgeHold | undefined
    readonly closed?: (() => void) | undefined
    /** How long it waits for its actor's first event once its topic is in effect (default 5,000 ms). */
    readonly bridgeIdleMs?: number | undefined
  } = {},
): Mirror<K> => new ActorMirror(subscriber, kind, id, options.bridge, options.closed, options.bridgeIdleMs)
