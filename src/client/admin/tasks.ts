// Admin routes of tasks: create one or a batch, list, read, cancel, approve / reject, decompose, the
// dependency graph, and the lifecycle of HTTP-only bots (claim, start, progress, complete, fail).
import type { Schema } from "effect"
import {
  CancelTaskBody,
  CompleteTaskBody,
  CreateTaskBody,
  DecomposeBody,
  FailTaskBody,
  type ListTasksQuery,
  ProgressTaskBody,
  TaskAgentBody,
} from "../../schema/http.ts"
import type { Created, TaskView } from "../../edge/http/views.ts"
import { ClawbotError } from "../errors.ts"
import {
  API,
  checked,
  command,
  everyPage,
  pagingQuery,
  segment,
  type CommandOptions,
  type Page,
  type Paging,
  type Transport,
} from "./core.ts"

export type CreateTask = typeof CreateTaskBody.Encoded
export type TaskFilters = Omit<Schema.Codec.Encoded<typeof ListTasksQuery>, "limit" | "cursor"> & { readonly group?: string } & Paging
export type Decompose = typeof DecomposeBody.Encoded
/** `GET /tasks/{id}/dependencies` */
export interface DependencyGraph {
  readonly nodes: ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly edges: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/** The most tasks one `POST /tasks/batch` takes. */
export const MAX_BATCH = 1000

export interface BatchItem {
  readonly id: string
  readonly stream_id: string
}

export const tasksApi = (t: Transport) => {
  const list = (filters?: TaskFilters) => t.request<Page<TaskView>>("GET", `${API}/tasks`, { query: pagingQuery(filters) })
  const path = (id: string, action?: string) => `${API}/tasks/${segment(id)}${action === undefined ? "" : `/${action}`}`
  return {
    /** A standalone task (ready at once). */
    create: async (body: CreateTask) =>
      t.request<(typeof Created)["Type"]>("POST", `${API}/tasks`, { body: checked(CreateTaskBody, body) }),
    /**
     * Standalone tasks in batches of up to 1,000 (`POST /tasks/batch`): every task is checked before
     * any is sent; a larger list goes as several batches, in order. Their ids, in the order given.
     */
    async batch(tasks: ReadonlyArray<CreateTask>): Promise<ReadonlyArray<BatchItem>> {
      if (tasks.length === 0) throw new ClawbotError({ code: "validation_failed", message: "tasks: expected at least 1 task" })
      tasks.forEach((task, index) => {
        try {
          checked(CreateTaskBody, task)
        } catch (error) {
          throw new ClawbotError({ code: "validation_failed", message: `tasks.${index}.${(error as ClawbotError).message}` })
        }
      })
      const items: BatchItem[] = []
      for (let start = 0; start < tasks.length; start += MAX_BATCH) {
        const answer = await t.request<{ items: BatchItem[] }>("POST", `${API}/tasks/batch`, {
          body: { tasks: tasks.slice(start, start + MAX_BATCH) },
        })
        items.push(...answer.items)
      }
      return items
    },
    list,
    all: (filters?: Omit<TaskFilters, "cursor">) => everyPage((cursor) => list({ ...filters, ...(cursor ? { cursor } : {}) })),
    get: async (id: string) => t.request<TaskView>("GET", path(id)),
    cancel: async (id: string, reason?: string, options?: CommandOptions) =>
      command(t, path(id, "cancel"), checked(CancelTaskBody, reason === undefined ? {} : { reason }), options),
    /** A task waiting in awaiting_approval → ready. */
    approve: async (id: string, options?: CommandOptions) => command(t, path(id, "approve"), {}, options),
    /** A task waiting in awaiting_approval → cancelled. */
    reject: async (id: string, reason?: string, options?: CommandOptions) =>
      command(t, path(id, "reject"), reason === undefined ? {} : { reason }, options),
    decompose: async (id: string, body: Decompose) =>
      t.request<Readonly<Record<string, unknown>>>("POST", path(id, "decompose"), { body: checked(DecomposeBody, body) }),
    dependencies: async (id: string) => t.request<DependencyGraph>("GET", path(id, "dependencies")),
    /** The lifecycle for bots without a socket (an agent's token, or the operator's with `agent_id`). */
    claim: async (id: string, body: typeof TaskAgentBody.Encoded = {}, options?: CommandOptions) =>
      command(t, path(id, "claim"), checked(TaskAgentBody, body), options),
    start: async (id: string, body: typeof TaskAgentBody.Encoded = {}, options?: CommandOptions) =>
      command(t, path(id, "start"), checked(TaskAgentBody, body), options),
    progress: async (id: string, body: typeof ProgressTaskBody.Encoded, options?: CommandOptions) =>
      command(t, path(id, "progress"), checked(ProgressTaskBody, body), options),
    complete: async (id: string, body: typeof CompleteTaskBody.Encoded = {}, options?: CommandOptions) =>
      command(t, path(id, "complete"), checked(CompleteTaskBody, body), options),
    fail: async (id: string, body: typeof FailTaskBody.Encoded = {}, options?: CommandOptions) =>
      command(t, path(id, "fail"), checked(FailTaskBody, body), options),
  }
}
