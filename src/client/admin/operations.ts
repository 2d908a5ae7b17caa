// Admin routes of operations: dead letters (list, read, replay, drop), viewer tokens, and the
// process probes and documents outside /api/v1 (health, live, ready, metrics, OpenAPI).
import type { DeadLetter as StoredDeadLetter } from "../../redis/dead-letters.ts"
import { API, everyPage, pagingQuery, segment, type Page, type Paging, type Transport } from "./core.ts"

/** An inbox entry that could not be applied or stored, with the reason; `id` is `<partition>:<entry id>`. */
export type DeadLetter = Omit<StoredDeadLetter, "at"> & {
  /** When it was dead-lettered (ISO time). */
  readonly at: string
}

export interface ViewerToken {
  readonly id: string
  /** Shown once. */
  readonly token: string
  readonly name: string | null
  readonly created_at: string
}

export const deadLettersApi = (t: Transport) => {
  const list = (paging?: Paging) => t.request<Page<DeadLetter>>("GET", `${API}/dead-letters`, { query: pagingQuery(paging) })
  return {
    list,
    all: () => everyPage((cursor) => list(cursor ? { cursor } : {})),
    get: async (id: string) => t.request<DeadLetter>("GET", `${API}/dead-letters/${segment(id)}`),
    /** Appends the entry to its inbox again; `stream_id` is its new entry. */
    replay: async (id: string) => t.request<{ id: string; stream_id: string }>("POST", `${API}/dead-letters/${segment(id)}/replay`),
    delete: async (id: string) => t.request<unknown>("DELETE", `${API}/dead-letters/${segment(id)}`),
  }
}

export const viewerTokensApi = (t: Transport) => ({
  /** A token for reads only (`GET /api/v1/*`, `/ws/events`). */
  create: async (body: { name?: string } = {}) => t.request<ViewerToken>("POST", `${API}/viewer-tokens`, { body }),
  revoke: async (id: string) => t.request<{ id: string; revoked: true }>("DELETE", `${API}/viewer-tokens/${segment(id)}`),
})

export const probesApi = (t: Transport) => ({
  health: async () => t.request<{ status: "ok"; edge_id: string; uws: string }>("GET", "/health"),
  live: async () => t.request<{ status: "live" }>("GET", "/live"),
  /** Redis and Postgres reachable and partitions owned; `unavailable` otherwise. */
  ready: async () => t.request<{ ready: true; checks: Readonly<Record<string, unknown>> }>("GET", "/ready"),
  /** Prometheus text. */
  metrics: async () => t.request<string>("GET", "/metrics"),
  openapi: async () => t.request<Readonly<Record<string, unknown>>>("GET", `${API}/openapi.json`),
})
