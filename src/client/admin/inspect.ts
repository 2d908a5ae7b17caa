// Admin routes for looking inside: the machines' definitions, actors by state, one actor's stored
// record and its transitions (time travel), and the operator's one-off event to a live actor.
import type { ActorHistory, ActorRecord } from "../../edge/http/views.ts"
import type { ActorKind } from "../types.ts"
import { API, command, everyPage, pagingQuery, segment, type CommandOptions, type Page, type Paging, type Transport } from "./core.ts"

/** A machine's definition as JSON (states, transitions, guards by name). */
export type MachineDefinition = Readonly<Record<string, unknown>>

export interface ActorFilters extends Paging {
  readonly kind?: ActorKind
  readonly state?: string
  readonly older_than_s?: number
  /** Only the quarantined actors (a stored snapshot that cannot be brought up to its machine), each with the reason. */
  readonly quarantined?: boolean
}

export interface HistoryOptions {
  /** Transitions with a higher version (default 0: from the creation). */
  readonly after_version?: number
  /** 1 to 1,000 (default 100). */
  readonly limit?: number
}

export const machinesApi = (t: Transport) => ({
  list: async () => t.request<Readonly<Record<string, MachineDefinition>>>("GET", `${API}/machines`),
  get: async (kind: ActorKind) => t.request<MachineDefinition>("GET", `${API}/machines/${segment(kind)}`),
})

export const actorsApi = (t: Transport) => {
  const list = (filters?: ActorFilters) => t.request<Page<ActorRecord>>("GET", `${API}/actors`, { query: pagingQuery(filters) })
  return {
    list,
    all: (filters?: Omit<ActorFilters, "cursor">) => everyPage((cursor) => list({ ...filters, ...(cursor ? { cursor } : {}) })),
    /** The persisted snapshot (brought up to its machine's version, or as stored with `quarantined` saying why), state value, stream id and version. */
    get: async (kind: ActorKind, id: string) => t.request<ActorRecord>("GET", `${API}/actors/${segment(kind)}/${segment(id)}`),
    /** Its transitions in order, each `{version, from, to, event, patch, at, by}`. */
    history: async (kind: ActorKind, id: string, options?: HistoryOptions) =>
      t.request<ActorHistory>("GET", `${API}/actors/${segment(kind)}/${segment(id)}/history`, { query: pagingQuery(options) }),
    /** Operator: one event of that kind's command set to a live actor, recorded with `by: "operator"`. */
    send: async (kind: ActorKind, id: string, event: { type: string; payload?: unknown }, options?: CommandOptions) =>
      command(t, `${API}/actors/${segment(kind)}/${segment(id)}/events`, { type: event.type, payload: event.payload ?? {} }, options),
  }
}
