// `/api/v1/sessions` and `/api/v1/workflows`: create (task keys become the ids the session derives for its
// tasks; a workflow is a session whose steps form a chain), list (soft-deleted sessions left out), read with
// its tasks' states (from the task actors), the lifecycle commands, soft delete, numbered checkpoints and the
// timeline of the session and its tasks.
import { randomUUID } from "node:crypto"
import type { SessionContext } from "../../../../machines/session.ts"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import { streamIdMs } from "../../../redis/stream-id.ts"
import {
  CheckpointBody,
  CreateSessionBody,
  CreateWorkflowBody,
  DeleteSessionQuery,
  ListSessionsQuery,
  plainSessionBody,
  WaitQuery,
} from "../../../schema/http.ts"
import { timeline } from "../../../store/history.ts"
import { TIMELINE_MAX_LIMIT, TimelineQuery } from "../../../schema/history.ts"
import { sessionTasks } from "../../../store/queries.ts"
import { requireOperator } from "../../auth.ts"
import type { EdgeContext } from "../../context.ts"
import { COMMAND_RESPONSES, commandAnswer, creationStatus, sendCommand } from "../command.ts"
import { currentIfAny, currentOnly, currentOr404, QUARANTINED } from "../current.ts"
import { listAnswer } from "../listing.ts"
import { existsOr404, IdParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"
import {
  CheckpointCreated,
  contextOf,
  pageOf,
  SessionCreated,
  SessionSummary,
  SessionView,
  Timeline,
  sessionSummary,
  sessionView,
  timelineView,
} from "../views.ts"

/** The machine command of each `POST /sessions/{id}/{action}`. */
const LIFECYCLE = {
  start: "START",
  pause: "PAUSE",
  resume: "RESUME",
  stop: "STOP",
  cancel: "CANCEL",
  retry: "RETRY",
} as const

/** The session payload of CREATE: each task key gets the id the session derives for its index, `depends_on` keys become ids. */
const sessionInput = (ctx: EdgeContext, id: string, body: CreateSessionBody) => {
  const ids = new Map(body.tasks.map((task, index) => [task.key, sessionTaskId(id, index)]))
  const idOf = (key: string): string => {
    const taskId = ids.get(key)
    if (taskId === undefined) throw new Error(`task key ${key} has no id`) // the body's DAG check rules this out
    return taskId
  }
  const { tasks, ...profile } = body
  return {
    id,
    ...profile,
    orphanAfterS: ctx.limits.orphanAfterS,
    // every field but the four the session itself reads is how the task runs (taskSpecFields: group and approval too)
    tasks: tasks.map(({ key, title, capability, dependsOn, ...spec }) => ({
      id: idOf(key),
      key,
      title,
      capability,
      dependsOn: dependsOn.map(idOf),
      spec,
    })),
  }
}

/** A workflow as a session: step `i` has the key `step-<i+1>` and waits for the step before it; it starts at once. */
const workflowSession = (body: CreateWorkflowBody): CreateSessionBody => ({
  title: body.name,
  priority: 2,
  start: true,
  tasks: body.steps.map((step, index) => ({
    ...step,
    key: `step-${index + 1}`,
    dependsOn: index === 0 ? [] : [`step-${index}`],
  })),
})

/** Appends the session's CREATE and answers 201 (202 while pending) with each task key's id. */
const createSession = async (ctx: EdgeContext, body: CreateSessionBody) => {
  // Deriving thousands of task ids is the request's own CPU, not a store call: not counted in its budget.
  const input = ctx.budget.paused(() => sessionInput(ctx, randomUUID(), body))
  const sent = await sendCommand(ctx, { kind: "session", id: input.id, type: "CREATE", payload: input })
  const tasks = input.tasks.map((task) => ({ key: task.key, id: task.id }))
  return json(creationStatus(sent), { id: input.id, status: sent.applied?.state ?? null, stream_id: sent.streamId, tasks })
}

const CREATED = {
  201: { description: "created; `tasks` maps each key to its task id", schema: SessionCreated },
  202: { description: "accepted, creation still pending (status null)", schema: SessionCreated },
}

/** The number of the checkpoint appended as `streamId` (entries apply in stream order, stamped with their time). */
const checkpointNumber = async (ctx: EdgeContext, sessionId: string, streamId: string): Promise<number | null> => {
  const actor = await currentIfAny(ctx, "session", sessionId)
  if (!actor) return null
  const checkpoints = contextOf<SessionContext>(actor).checkpoints
  const mine = actor.streamId === streamId ? checkpoints.at(-1) : checkpoints.find((checkpoint) => checkpoint.at === streamIdMs(streamId))
  return mine?.number ?? null
}

const lifecycleRoutes: Route[] = Object.entries(LIFECYCLE).map(([action, type]) =>
  route({
    method: "POST",
    path: `${API}/sessions/{id}/${action}`,
    name: `${action}Session`,
    summary: `${type} the session; 409 when its machine refuses in the current state`,
    access: "token",
    params: IdParams,
    query: WaitQuery,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query }) {
      requireOperator(principal)
      return commandAnswer(await sendCommand(ctx, { kind: "session", id: params.id, type, payload: {} }), query.wait)
    },
  }),
)

export const sessionRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/sessions`,
    name: "createSession",
    summary: "Create a session and its tasks, which wait for its start (`start: true` starts it at once)",
    access: "token",
    body: CreateSessionBody,
    plainBody: plainSessionBody,
    command: true,
    responses: CREATED,
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      return createSession(ctx, body)
    },
  }),
  route({
    method: "POST",
    path: `${API}/workflows`,
    name: "createWorkflow",
    summary: "Create and start a session whose steps run one after another (step i waits for step i-1); keys are step-1, step-2, …",
    access: "token",
    body: CreateWorkflowBody,
    command: true,
    responses: CREATED,
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      return createSession(ctx, workflowSession(body))
    },
  }),
  route({
    method: "GET",
    path: `${API}/sessions`,
    name: "listSessions",
    summary: "List sessions, oldest in their state first (soft-deleted ones left out)",
    access: "read",
    query: ListSessionsQuery,
    responses: { 200: { description: "one page", schema: pageOf("SessionPage", SessionSummary) } },
    async handle({ ctx, query }) {
      return listAnswer(ctx, "session", { ...query, hideDeleted: true }, sessionSummary)
    },
  }),
  route({
    method: "DELETE",
    path: `${API}/sessions/{id}`,
    name: "deleteSession",
    summary:
      "Soft delete: hidden from lists, still readable with its timeline; 409 while it runs (stop or cancel it first). `hard=1` (operator) erases it: the session, its tasks and their history are deleted (pending, failed and timed-out sessions are cancelled first)",
    access: "token",
    params: IdParams,
    query: DeleteSessionQuery,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query }) {
      requireOperator(principal)
      const type = query.hard ? "ERASE" : "DELETE"
      return commandAnswer(await sendCommand(ctx, { kind: "session", id: params.id, type, payload: {} }), query.wait)
    },
  }),
  route({
    method: "GET",
    path: `${API}/sessions/{id}`,
    name: "getSession",
    summary: "One session with each of its tasks and the task's state",
    access: "read",
    params: IdParams,
    responses: { 200: { description: "the session", schema: SessionView }, 409: QUARANTINED },
    async handle({ ctx, params }) {
      const session = await currentOr404(ctx, "session", params.id)
      return json(200, sessionView(session, currentOnly(ctx.kinds, await sessionTasks(ctx.sql, params.id))))
    },
  }),
  ...lifecycleRoutes,
  route({
    method: "POST",
    path: `${API}/sessions/{id}/checkpoints`,
    name: "checkpointSession",
    summary: "Record a numbered recovery point",
    access: "token",
    params: IdParams,
    body: CheckpointBody,
    command: true,
    responses: {
      201: { description: "recorded as checkpoint `number`", schema: CheckpointCreated },
      202: { description: "accepted, still pending (number null)", schema: CheckpointCreated },
    },
    async handle({ ctx, principal, params, body }) {
      requireOperator(principal)
      const sent = await sendCommand(ctx, { kind: "session", id: params.id, type: "CHECKPOINT", payload: { data: body.data } })
      const number = sent.applied ? await checkpointNumber(ctx, params.id, sent.streamId) : null
      return json(creationStatus(sent), { id: params.id, number, stream_id: sent.streamId })
    },
  }),
  route({
    method: "GET",
    path: `${API}/sessions/{id}/timeline`,
    name: "sessionTimeline",
    summary:
      `Every transition of the session and its tasks, in order, by page: at most \`limit\` (1 to ${TIMELINE_MAX_LIMIT}, default ` +
      `${TIMELINE_MAX_LIMIT}) after \`cursor\` (the \`next_cursor\` of the page before; null on the last page)`,
    access: "read",
    params: IdParams,
    query: TimelineQuery,
    responses: { 200: { description: "a page of the transitions", schema: Timeline } },
    async handle({ ctx, params, query }) {
      await existsOr404(ctx.sql, "session", params.id)
      const page = await timeline(ctx.sql, params.id, { after: query.cursor ?? 0, limit: query.limit })
      return json(200, timelineView(params.id, page))
    },
  }),
]
