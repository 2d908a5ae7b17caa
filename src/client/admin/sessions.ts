// Admin routes of sessions and workflows: create (a DAG of tasks), list, read, the lifecycle commands,
// checkpoints, the timeline (by page, or all of it), delete; `POST /workflows` (steps one after another).
import type { Schema } from "effect"
import { CheckpointBody, CreateSessionBody, CreateWorkflowBody, type ListSessionsQuery } from "../../schema/http.ts"
import type { CheckpointCreated, SessionCreated, SessionSummary, SessionView, Timeline } from "../../edge/http/views.ts"
import {
  API,
  checked,
  command,
  everyPage,
  pagingQuery,
  segment,
  type CommandAnswer,
  type CommandOptions,
  type Page,
  type Paging,
  type Transport,
} from "./core.ts"

export type CreateSession = typeof CreateSessionBody.Encoded
export type CreateWorkflow = typeof CreateWorkflowBody.Encoded
export type SessionFilters = Omit<Schema.Codec.Encoded<typeof ListSessionsQuery>, "limit" | "cursor"> & Paging

/** The lifecycle commands of `POST /sessions/{id}/{action}`. */
export const SESSION_ACTIONS = ["start", "pause", "resume", "stop", "cancel", "retry"] as const
export type SessionAction = (typeof SESSION_ACTIONS)[number]

export const sessionsApi = (t: Transport) => {
  const list = (filters?: SessionFilters) => t.request<Page<SessionSummary>>("GET", `${API}/sessions`, { query: pagingQuery(filters) })
  const timeline = async (id: string, paging?: Paging) =>
    t.request<Timeline>("GET", `${API}/sessions/${segment(id)}/timeline`, { query: pagingQuery(paging) })
  const act = (action: SessionAction) => (id: string, options?: CommandOptions) =>
    command(t, `${API}/sessions/${segment(id)}/${action}`, {}, options)
  return {
    /** Creates a session and its tasks (`depends_on` names other tasks' keys); `tasks` maps each key to its id. */
    create: async (body: CreateSession) => t.request<SessionCreated>("POST", `${API}/sessions`, { body: checked(CreateSessionBody, body) }),
    list,
    all: (filters?: Omit<SessionFilters, "cursor">) => everyPage((cursor) => list({ ...filters, ...(cursor ? { cursor } : {}) })),
    /** The session with its task counts and its tasks (id, key, status, agent). */
    get: async (id: string) => t.request<SessionView>("GET", `${API}/sessions/${segment(id)}`),
    start: act("start"),
    pause: act("pause"),
    resume: act("resume"),
    stop: act("stop"),
    cancel: act("cancel"),
    retry: act("retry"),
    /** Any lifecycle command by name. */
    act: async (id: string, action: SessionAction, options?: CommandOptions) => act(action)(id, options),
    checkpoint: async (id: string, data: (typeof CheckpointBody.Encoded)["data"]) =>
      t.request<CheckpointCreated>("POST", `${API}/sessions/${segment(id)}/checkpoints`, { body: checked(CheckpointBody, { data }) }),
    /** A page of the session's and its tasks' transitions, in order: `limit` 1 to 1000 (default 1000), `cursor` the
     * `next_cursor` of the page before. */
    timeline,
    /** Every transition of the session and its tasks, in order, page after page (`limit` a page). */
    timelineAll: (id: string, paging?: Omit<Paging, "cursor">) =>
      everyPage(async (cursor) => {
        const page = await timeline(id, { ...paging, ...(cursor ? { cursor } : {}) })
        return { items: page.transitions, next_cursor: page.next_cursor }
      }),
    /** Soft delete (hidden from lists, kept in history); `hard` erases it (operator). */
    delete: async (id: string, options: { hard?: boolean } = {}) =>
      t.request<CommandAnswer>("DELETE", `${API}/sessions/${segment(id)}`, { query: options.hard ? { hard: 1 } : undefined }),
  }
}

export const workflowsApi = (t: Transport) => ({
  /** A session whose steps run one after another. */
  create: async (body: CreateWorkflow) =>
    t.request<SessionCreated>("POST", `${API}/workflows`, { body: checked(CreateWorkflowBody, body) }),
})
