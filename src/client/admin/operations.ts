// Admin routes of operations: dead letters (list, read, replay, drop), viewer tokens, and the
// process probes and documents outside /api/v1 (health, live, ready, metrics, OpenAPI).
import { API, everyPage, pagingQuery, segment, type Page, type Paging, type Transport } from "./core.ts"

/** An inbox entry that could not be applied or stored, with the reason. */
export interface DeadLetter {
  /** `<partition>:<entry id>` */
  readonly id: string
  readonly partition: number
  /** The inbox entry id it was. */
  readonly source: string
  readonly reason: string
  readonly fields: Readonly<Record<string, string>>
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
