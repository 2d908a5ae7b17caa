// Counts by state of each kind. The fleet starts from the server's totals (`GET /api/v1/actors/counts`)
// and moves them with the events after the totals' `cursor` until it has read every actor; from then on it
// counts its own copies (fleet.ts). The totals count what the lists show: soft-deleted sessions are left
// out, quarantined actors counted apart (`quarantined`, by kind). They include every event up to
// `cursor`; an event after it is already included only when `versions` holds its actor at that version or
// later (or uncounted), so `Totals.apply` counts each transition once (src/edge/http/counts.ts proves it).
// No DOM here: tests/e2e/http/counts-at.test.ts runs `Totals` in Node against the server.
import { KINDS, type ActorEvent, type Kind } from "./types.ts"

export type Counts = Record<Kind, Map<string, number>>

export const emptyCounts = (): Counts => ({ session: new Map(), task: new Map(), agent: new Map() })

export const addCount = (counts: Map<string, number>, state: string, delta: number): void => {
  counts.set(state, (counts.get(state) ?? 0) + delta)
}

/** Negative, zero or positive as stream id `a` (`<ms>-<seq>`) is before, equal to or after `b`. */
export const compareCursors = (a: string, b: string): number => {
  const [aMs = 0n, aSeq = 0n] = a.split("-").map(BigInt)
  const [bMs = 0n, bSeq = 0n] = b.split("-").map(BigInt)
  if (aMs !== bMs) return aMs < bMs ? -1 : 1
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1
}

/** The answer of `GET /api/v1/actors/counts`. */
export interface CountsAnswer {
  readonly counts: Record<string, Record<string, number>>
  readonly quarantined: Record<string, number>
  readonly cursor: string
  readonly versions: ReadonlyArray<{ readonly kind: string; readonly id: string; readonly version: number; readonly counted: boolean }>
}

/** The server's counts at one position of the event stream, moved by the events after it, each transition once. */
export class Totals {
  readonly counts: Counts = emptyCounts()
  readonly quarantined: Record<Kind, number> = { session: 0, task: 0, agent: 0 }
  private readonly cursor: string
  /** Per actor (`kind:id`): the last version counted (the counts' own, or an event's); absent: none after the cursor yet. */
  private readonly last = new Map<string, number>()
  /** Actors the counts leave out (soft-deleted sessions, the quarantined): their events move nothing. */
  private readonly uncounted = new Set<string>()

  constructor(answer: CountsAnswer) {
    this.cursor = answer.cursor
    for (const kind of KINDS) {
      for (const [state, n] of Object.entries(answer.counts[kind] ?? {})) this.counts[kind].set(state, n)
      this.quarantined[kind] = answer.quarantined[kind] ?? 0
    }
    for (const { kind, id, version, counted } of answer.versions) {
      this.last.set(`${kind}:${id}`, version)
      if (!counted) this.uncounted.add(`${kind}:${id}`)
    }
  }

  /** Moves the counts by `event` of `kind` unless they include it already; true when they moved. */
  apply(kind: Kind, event: ActorEvent): boolean {
    if (compareCursors(event.cursor, this.cursor) <= 0) return false
    const key = `${kind}:${event.actor_id}`
    if (this.uncounted.has(key) || event.version <= (this.last.get(key) ?? 0)) return false
    this.last.set(key, event.version)
    const of = this.counts[kind]
    if (event.from !== null) addCount(of, event.from, -1)
    // A session event that sets `deleted_at` (a soft delete, or an erasure) takes it out of the counts.
    const hidden = kind === "session" && typeof (event.patch as Record<string, unknown>)["deleted_at"] === "string"
    if (hidden) this.uncounted.add(key)
    else addCount(of, event.to, 1)
    return true
  }
}
