// Counts by state of each kind. The fleet starts from the server's totals (`GET /api/v1/actors/counts`,
// one query) and moves them with each event's `from` and `to` until it has read every actor; from then on
// it counts its own copies (fleet.ts). The totals leave out soft-deleted sessions, as the lists do, so a
// session event that sets `deleted_at` (a soft delete, or an erasure) takes one from its state.
import { get } from "../api.ts"
import { KINDS, type ActorEvent, type Kind } from "./types.ts"

export type Counts = Record<Kind, Map<string, number>>

export const emptyCounts = (): Counts => ({ session: new Map(), task: new Map(), agent: new Map() })

export const addCount = (counts: Map<string, number>, state: string, delta: number): void => {
  counts.set(state, (counts.get(state) ?? 0) + delta)
}

/** The server's counts by kind and state now. */
export const readCounts = async (): Promise<Counts> => {
  const { counts: read } = await get<{ counts: Record<string, Record<string, number>> }>("/api/v1/actors/counts")
  const counts = emptyCounts()
  for (const kind of KINDS) for (const [state, n] of Object.entries(read[kind] ?? {})) counts[kind].set(state, n)
  return counts
}

/** Moves `counts` by one event of `kind`. */
export const countEvent = (counts: Counts, kind: Kind, event: ActorEvent): void => {
  const of = counts[kind]
  if (event.from !== null) addCount(of, event.from, -1)
  const hidden = kind === "session" && typeof (event.patch as Record<string, unknown>)["deleted_at"] === "string"
  if (!hidden) addCount(of, event.to, 1)
}
