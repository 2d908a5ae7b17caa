// Admin routes of shared coordination state: groups (a cap on in-flight tasks per tenant or
// repository) and contexts (versioned key-value documents with history, diff and merge).
import { type CreateContextBody, MergeContextsBody, PatchContextBody } from "../../schema/http.ts"
import { API, checked, segment, type Transport } from "./core.ts"

export interface Group {
  readonly key: string
  readonly max_in_flight?: number | null
  readonly [field: string]: unknown
}

export type ContextScope = "session" | "agent" | "global" | "temporary"

export type CreateContext = typeof CreateContextBody.Encoded & {
  readonly scope?: ContextScope
  readonly owner_id?: string
  readonly ttl_s?: number
}

/** A context document (shape per docs/protocol.md). */
export type Context = Readonly<Record<string, unknown>>

export const groupsApi = (t: Transport) => ({
  put: async (key: string, body: { max_in_flight?: number }) => t.request<Group>("PUT", `${API}/groups/${segment(key)}`, { body }),
  list: async () => t.request<{ items: ReadonlyArray<Group> }>("GET", `${API}/groups`),
  get: async (key: string) => t.request<Group>("GET", `${API}/groups/${segment(key)}`),
})

export const contextsApi = (t: Transport) => ({
  create: async (body: CreateContext) => t.request<Context>("POST", `${API}/contexts`, { body }),
  /** The document, or with `key` one dot path of it. */
  get: async (id: string, key?: string) => t.request<Context>("GET", `${API}/contexts/${segment(id)}`, { query: { key } }),
  /** `{set: {"a.b": 1}, unset?, expected_version?}`; a stale expected_version is `conflict`. */
  patch: async (id: string, body: typeof PatchContextBody.Encoded) =>
    t.request<Context>("PATCH", `${API}/contexts/${segment(id)}`, { body: checked(PatchContextBody, body) }),
  history: async (id: string) => t.request<Context>("GET", `${API}/contexts/${segment(id)}/history`),
  diff: async (id: string, from: number, to: number) =>
    t.request<Context>("GET", `${API}/contexts/${segment(id)}/diff`, { query: { from, to } }),
  merge: async (body: typeof MergeContextsBody.Encoded) =>
    t.request<Context>("POST", `${API}/contexts/merge`, { body: checked(MergeContextsBody, body) }),
})
