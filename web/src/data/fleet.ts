// The dashboard's live copy of every actor: one list read per kind, then the merge patches of the
// events the subscriber delivers (an event for version v applies to the view at v - 1; an older one
// is skipped; a gap, or an actor first seen past its creation, reads that actor again). Counts by
// state start from the server's totals while the lists are read (counts.ts: tied to a position of the
// event stream, moved by each transition after it once), then are kept as events apply; quarantined
// actors, which the lists leave out, are counted apart from the totals. A session soft-deleted or erased leaves the copy as its event comes, an erased one with its
// tasks (their later events are dropped). The chart series are in samples.ts. Listeners are told at
// most once per frame and per CHANGE_INTERVAL_MS, so 200 transitions/s cost a few renders a second.
import { describeFailure, get, getAll } from "../api.ts"
import { addCount, emptyCounts, Totals, type Counts, type CountsAnswer } from "./counts.ts"
import { applyPatch } from "./merge-patch.ts"
import { Samples } from "./samples.ts"
import type { Subscriber, SubscriberStatus } from "../../../src/client/subscriber.ts"
import { KINDS, PATHS, type ActorEvent, type Json, type Kind, type View } from "./types.ts"

const CHANGE_INTERVAL_MS = 100
const CONNECTED: ReadonlySet<string> = new Set(["online", "busy", "draining"])
/** The session event that erases it (`DELETE /sessions/{id}?hard=1`): its tasks go with it. */
const ERASE = "ERASE"

type Key = `${Kind}:${string}`
const isKind = (kind: string): kind is Kind => (KINDS as ReadonlyArray<string>).includes(kind)
const keyOf = (kind: Kind, id: string): Key => `${kind}:${id}`

/** The view patches apply to: what GET answers without the lists it links to (a session's tasks). */
const patchable = (kind: Kind, body: Record<string, Json>): View => {
  if (kind !== "session") return body as View
  const { tasks: _tasks, ...view } = body
  return view as View
}

export class Fleet {
  readonly views: Record<Kind, Map<string, View>> = { session: new Map(), task: new Map(), agent: new Map() }
  counts: Counts = emptyCounts()
  /** True while the counts are the server's totals moved by events (the lists not read yet). */
  countingTotals = false
  /** Quarantined actors by kind (the server's count at the last read: the lists leave them out). */
  quarantined: Record<Kind, number> = { session: 0, task: 0, agent: 0 }
  private totals: Totals | undefined
  readonly samples = new Samples()
  status: SubscriberStatus = "connecting"
  loaded = false
  /** Grows each time the dead letters change (a runtime added one, an edge replayed or deleted one): the `dead_letters` topic. */
  deadLetterChanges = 0
  /** Grows with every change; components compare it to re-render. */
  revision = 0
  private held: ActorEvent[] | null = null
  private readonly reading = new Map<Key, ActorEvent[]>()
  private readonly listeners = new Set<() => void>()
  private readonly eventListeners = new Set<(event: ActorEvent) => void>()
  /** Erased sessions, and the erased actors whose events are dropped. */
  private readonly erasedSessions = new Set<string>()
  private readonly erased = new Set<Key>()
  private scheduled = false
  private lastNotified = 0
  private loads = 0
  private readonly sampler: ReturnType<typeof setInterval>

  constructor(subscriber: Subscriber) {
    subscriber.onEvent((event) => this.receive(event))
    // Read everything once the socket is open (events from then on are held meanwhile), and again
    // whenever the subscriber could not resume.
    subscriber.ready().then(
      () => void this.load(),
      () => undefined,
    )
    subscriber.onReset(() => void this.load())
    subscriber.onFleet((figures) => {
      this.samples.fleet(figures)
      this.changed()
    })
    subscriber.onDeadLetters(() => {
      this.deadLetterChanges += 1
      this.changed()
    })
    this.sampler = setInterval(() => this.sample(), 1000)
  }

  /** Stops sampling (the page's subscriber was closed). */
  close(): void {
    clearInterval(this.sampler)
  }

  /** Called (batched) after changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Called for every event as it arrives (timelines, transition animations). */
  onEvent(listener: (event: ActorEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  setStatus(status: SubscriberStatus): void {
    this.status = status
    this.changed()
  }

  view(kind: Kind, id: string): View | undefined {
    return this.views[kind].get(id)
  }

  /** Why the last read of the fleet failed (it is tried again), if it did. */
  loadError: string | undefined

  /** Reads every actor again (first connection, or a resume the server refused); events meanwhile are held.
   * The first time, the counts start from the server's totals meanwhile. */
  async load(): Promise<void> {
    const load = ++this.loads
    this.held ??= []
    void this.readTotals(load)
    for (let attempt = 0; ; attempt += 1) {
      try {
        const lists = await Promise.all(KINDS.map((kind) => getAll<Record<string, Json>>(`/api/v1/${PATHS[kind]}`)))
        if (load !== this.loads) return
        this.loadError = undefined
        this.countingTotals = false
        this.totals = undefined
        this.counts = emptyCounts()
        for (const [index, kind] of KINDS.entries()) {
          this.views[kind].clear()
          for (const body of lists[index] ?? []) this.put(kind, patchable(kind, body))
        }
        break
      } catch (error) {
        if (load !== this.loads) return
        this.loadError = describeFailure(error)
        this.changed()
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)))
      }
    }
    const held = this.held ?? []
    this.held = null
    this.loaded = true
    for (const event of held) this.apply(event)
    this.changed()
  }

  /** The server's totals: its quarantined actors; and the first time, the counts until the lists of this load are
   * read, moved by the events after their cursor (those held since the load began, then each as it comes). */
  private async readTotals(load: number): Promise<void> {
    try {
      const totals = new Totals(await get<CountsAnswer>("/api/v1/actors/counts"))
      if (load !== this.loads) return
      this.quarantined = totals.quarantined
      this.changed()
      if (this.loaded || this.held === null) return
      for (const event of this.held) if (isKind(event.kind)) totals.apply(event.kind, event)
      this.totals = totals
      this.counts = totals.counts
      this.countingTotals = true
    } catch {
      // The lists, read anyway, give the counts.
    }
  }

  private receive(event: ActorEvent): void {
    this.samples.transition()
    for (const listener of [...this.eventListeners]) listener(event)
    if (this.countingTotals && isKind(event.kind) && this.totals?.apply(event.kind, event)) this.changed()
    if (this.held !== null) this.held.push(event)
    else this.apply(event)
  }

  private apply(event: ActorEvent): void {
    const kind = event.kind
    // Only sessions, tasks and agents are kept (other kinds, such as contexts, are not shown here).
    if (!isKind(kind)) return
    if (kind === "session" && event.event === ERASE) return this.erase(event.actor_id)
    const key = keyOf(kind, event.actor_id)
    if (this.erased.has(key)) return
    const waiting = this.reading.get(key)
    if (waiting !== undefined) {
      waiting.push(event)
      return
    }
    const current = this.views[kind].get(event.actor_id)
    const version = current?.version ?? 0
    if (event.version <= version) return
    if (event.version === version + 1) {
      this.put(kind, applyPatch(current ?? {}, event.patch) as View)
      this.changed()
    } else void this.read(kind, event.actor_id, [event])
  }

  /** Reads one actor again after a gap, then applies the events held meanwhile. */
  private async read(kind: Kind, id: string, held: ActorEvent[]): Promise<void> {
    const key = keyOf(kind, id)
    this.reading.set(key, held)
    try {
      const body = await get<Record<string, Json>>(`/api/v1/${PATHS[kind]}/${id}`)
      this.put(kind, patchable(kind, body))
    } catch {
      // Gone or unreachable: the next event for it reads it again.
    }
    const events = (this.reading.get(key) ?? []).sort((a, b) => a.version - b.version)
    this.reading.delete(key)
    for (const event of events) {
      const view = this.views[kind].get(id)
      if (view !== undefined && event.version === view.version + 1) this.put(kind, applyPatch(view, event.patch) as View)
    }
    this.changed()
  }

  /** Keeps `view`, or drops the actor when the lists would no longer show it (soft-deleted, erased). */
  private put(kind: Kind, view: View): void {
    const gone =
      kind === "session"
        ? this.erasedSessions.has(view.id) || typeof view["deleted_at"] === "string"
        : kind === "task" && this.erasedSessions.has(String(view["session_id"]))
    if (gone) return this.remove(kind, view.id)
    this.remove(kind, view.id)
    addCount(this.counts[kind], view.status, 1)
    this.views[kind].set(view.id, view)
  }

  private remove(kind: Kind, id: string): void {
    const before = this.views[kind].get(id)
    if (before === undefined) return
    addCount(this.counts[kind], before.status, -1)
    this.views[kind].delete(id)
  }

  /** A session erased: it and its tasks leave the copy, and their later events are dropped. */
  private erase(sessionId: string): void {
    this.erasedSessions.add(sessionId)
    this.erased.add(keyOf("session", sessionId))
    this.remove("session", sessionId)
    for (const task of [...this.views.task.values()]) {
      if (task["session_id"] !== sessionId) continue
      this.erased.add(keyOf("task", task.id))
      this.remove("task", task.id)
    }
    this.changed()
  }

  private sample(): void {
    let connected = 0
    for (const [state, count] of this.counts.agent) if (CONNECTED.has(state)) connected += count
    this.samples.second(connected)
    this.changed()
  }

  private changed(): void {
    this.revision += 1
    if (this.scheduled) return
    this.scheduled = true
    const wait = Math.max(0, this.lastNotified + CHANGE_INTERVAL_MS - performance.now())
    setTimeout(() => {
      requestAnimationFrame(() => {
        this.scheduled = false
        this.lastNotified = performance.now()
        for (const listener of [...this.listeners]) listener()
      })
    }, wait)
  }
}
