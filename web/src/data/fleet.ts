// The dashboard's live copy of every actor: one list read per kind, then the merge patches of the
// events the subscriber delivers (an event for version v applies to the view at v - 1; an older one
// is skipped; a gap, or an actor first seen past its creation, reads that actor again). Counts by
// state are kept as events apply, and per-second samples (transitions/s, event lag, connected bots)
// feed the fleet charts. Listeners are told at most once per frame and per CHANGE_INTERVAL_MS, so
// 200 transitions/s cost a few renders a second, not 200.
import { describeFailure, get, getAll } from "../api.ts"
import { applyPatch } from "./merge-patch.ts"
import type { Subscriber, SubscriberStatus } from "../../../src/client/subscriber.ts"
import { KINDS, PATHS, type ActorEvent, type Json, type Kind, type View } from "./types.ts"

const CHANGE_INTERVAL_MS = 100
/** Seconds of samples the charts show. */
export const SAMPLES = 60
const CONNECTED: ReadonlySet<string> = new Set(["online", "busy", "draining"])

export interface Samples {
  readonly transitions: number[]
  readonly lagMs: number[]
  readonly connected: number[]
}

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
  readonly counts: Record<Kind, Map<string, number>> = { session: new Map(), task: new Map(), agent: new Map() }
  readonly samples: Samples = { transitions: [], lagMs: [], connected: [] }
  status: SubscriberStatus = "connecting"
  loaded = false
  /** Grows with every change; components compare it to re-render. */
  revision = 0
  private held: ActorEvent[] | null = null
  private readonly reading = new Map<Key, ActorEvent[]>()
  private readonly listeners = new Set<() => void>()
  private readonly eventListeners = new Set<(event: ActorEvent) => void>()
  private scheduled = false
  private lastNotified = 0
  private second = { transitions: 0, lagMs: 0 }
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

  /** Reads every actor again (first connection, or a resume the server refused); events meanwhile are held. */
  async load(): Promise<void> {
    const load = ++this.loads
    this.held ??= []
    for (let attempt = 0; ; attempt += 1) {
      try {
        const lists = await Promise.all(KINDS.map((kind) => getAll<Record<string, Json>>(`/api/v1/${PATHS[kind]}`)))
        if (load !== this.loads) return
        this.loadError = undefined
        for (const [index, kind] of KINDS.entries()) {
          this.views[kind].clear()
          this.counts[kind].clear()
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

  private receive(event: ActorEvent): void {
    this.second.transitions += 1
    this.second.lagMs += Math.max(0, Date.now() - Date.parse(event.at))
    for (const listener of [...this.eventListeners]) listener(event)
    if (this.held !== null) this.held.push(event)
    else this.apply(event)
  }

  private apply(event: ActorEvent): void {
    const kind = event.kind
    // Only sessions, tasks and agents are kept (other kinds, such as contexts, are not shown here).
    if (!isKind(kind)) return
    const key = keyOf(kind, event.actor_id)
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

  private put(kind: Kind, view: View): void {
    const before = this.views[kind].get(view.id)
    const counts = this.counts[kind]
    if (before !== undefined) counts.set(before.status, (counts.get(before.status) ?? 1) - 1)
    counts.set(view.status, (counts.get(view.status) ?? 0) + 1)
    this.views[kind].set(view.id, view)
  }

  private sample(): void {
    const { transitions, lagMs } = this.second
    let connected = 0
    for (const [state, count] of this.counts.agent) if (CONNECTED.has(state)) connected += count
    const push = (series: number[], value: number) => {
      series.push(value)
      if (series.length > SAMPLES) series.shift()
    }
    push(this.samples.transitions, transitions)
    push(this.samples.lagMs, transitions === 0 ? 0 : Math.round(lagMs / transitions))
    push(this.samples.connected, connected)
    this.second = { transitions: 0, lagMs: 0 }
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
