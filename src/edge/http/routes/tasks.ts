// `/api/v1/tasks`: standalone tasks (no session, no dependencies: ready at once, or assigned at once when a free slot
// waits for their capability, src/runtime/intake.ts) one at a time or up
// to 1,000 in a batch (all validated before any is appended, then appended in one call), list, read,
// the task lifecycle for HTTP-only bots (claim, start, progress, complete, fail), and the operator's approve, reject and cancel.
import { randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import {
  CancelTaskBody,
  CompleteTaskBody,
  CreateTaskBatchBody,
  CreateTaskBody,
  FailTaskBody,
  ListTasksQuery,
  MAX_BATCH_TASKS,
  plainTaskBatchBody,
  ProgressTaskBody,
  TaskAgentBody,
  WaitQuery,
} from "../../../schema/http.ts"
import { validationError } from "../../../schema/errors.ts"
import { actingAgent, requireOperator, type Principal } from "../../auth.ts"
import { appendAll, COMMAND_RESPONSES, commandAnswer, creationStatus, requirePostgres, sendCommand } from "../command.ts"
import { currentOr404, QUARANTINED } from "../current.ts"
import { listAnswer } from "../listing.ts"
import { IdParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"
import { Created, pageOf, TaskView, taskView } from "../views.ts"

const BatchItem = Schema.Struct({ id: Schema.String, stream_id: Schema.String }).annotate({ identifier: "TaskBatchItem" })
const BatchAccepted = Schema.Struct({ items: Schema.Array(BatchItem) }).annotate({ identifier: "TaskBatchAccepted" })

/**
 * A standalone task has nobody to unblock it or to take it into a session, so `session_id` and
 * `depends_on` are refused rather than accepted into a task that would wait forever. `at` prefixes
 * the field names (`tasks.3.` in a batch).
 */
const standalone = (body: CreateTaskBody, at = ""): void => {
  if (body.sessionId !== undefined) {
    throw validationError(`${at}session_id: a standalone task cannot join a session; give a session its tasks in POST /sessions`)
  }
  if (body.dependsOn.length > 0) {
    throw validationError(
      `${at}depends_on: a standalone task cannot wait for other tasks; use POST /sessions with depends_on between its tasks`,
    )
  }
}

/** The CREATE command of a standalone task. */
const createCommand = (id: string, body: CreateTaskBody) => ({ kind: "task", id, type: "CREATE", payload: { id, ...body, blocked: false } })

/** `POST /tasks/{id}/<action>`: a command on a task, its type and payload built from the caller and the body. */
const taskCommand = <B extends Schema.ConstraintDecoder<object>>(
  action: string,
  summary: string,
  body: B,
  command: (principal: Principal | undefined, body: B["Type"]) => { type: string; payload: Record<string, unknown> },
): Route =>
  route({
    method: "POST",
    path: `${API}/tasks/{id}/${action}`,
    name: `${action}Task`,
    summary,
    access: "token",
    params: IdParams,
    query: WaitQuery,
    body,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query, body: decoded }) {
      const sent = await sendCommand(ctx, { kind: "task", id: params.id, ...command(principal, decoded) })
      return commandAnswer(sent, query.wait)
    },
  })

/** A lifecycle command a bot makes about its own task (or the operator for a named `agent_id`). */
const agentCommand = <B extends Schema.ConstraintDecoder<{ readonly agentId?: string; readonly attempt?: number }>>(
  action: string,
  type: string,
  summary: string,
  body: B,
  payload: (body: B["Type"]) => Record<string, unknown>,
): Route =>
  taskCommand(action, summary, body, (principal, decoded) => {
    const agentId = actingAgent(principal, decoded.agentId)
    const attempt = decoded.attempt === undefined ? {} : { attempt: decoded.attempt }
    return { type, payload: { ...payload(decoded), ...attempt, agentId } }
  })

/** `POST /tasks/{id}/approve` */
const ApproveTaskBody = Schema.Struct({}).annotate({ identifier: "ApproveTaskBody" })
/** `POST /tasks/{id}/reject` */
const RejectTaskBody = Schema.Struct({
  reason: Schema.String.pipe(Schema.withDecodingDefaultKey(Effect.succeed("rejected"))),
}).annotate({ identifier: "RejectTaskBody" })

/** An operator's command on a task, its payload built from the body. */
const operatorCommand = <B extends Schema.ConstraintDecoder<object>>(
  action: string,
  summary: string,
  body: B,
  command: (body: B["Type"]) => { type: string; payload: Record<string, unknown> },
): Route =>
  taskCommand(action, summary, body, (principal, decoded) => {
    requireOperator(principal)
    return command(decoded)
  })

export const taskRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/tasks`,
    name: "createTask",
    summary: "Create a standalone task: assigned at once when an agent's free slot waits for its capability, else ready to be routed",
    access: "token",
    body: CreateTaskBody,
    command: true,
    responses: {
      201: { description: "created", schema: Created },
      202: { description: "accepted, creation still pending (status null)", schema: Created },
    },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      standalone(body)
      const id = randomUUID()
      const sent = await sendCommand(ctx, createCommand(id, body))
      return json(creationStatus(sent), { id, status: sent.applied?.state ?? null, stream_id: sent.streamId })
    },
  }),
  route({
    method: "POST",
    path: `${API}/tasks/batch`,
    name: "createTaskBatch",
    summary: `Create 1 to ${MAX_BATCH_TASKS} standalone tasks: all are validated before any is appended`,
    access: "token",
    body: CreateTaskBatchBody,
    plainBody: plainTaskBatchBody,
    responses: { 202: { description: "every task accepted into its inbox, in the order given", schema: BatchAccepted } },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      body.tasks.forEach((task, index) => standalone(task, `tasks.${index}.`))
      requirePostgres(ctx)
      const commands = body.tasks.map((task) => createCommand(randomUUID(), task))
      const appended = await appendAll(ctx, commands)
      return json(202, { items: commands.map((command, index) => ({ id: command.id, stream_id: appended[index]?.streamId })) })
    },
  }),
  route({
    method: "GET",
    path: `${API}/tasks`,
    name: "listTasks",
    summary: "List tasks, oldest in their state first",
    access: "read",
    query: ListTasksQuery,
    responses: { 200: { description: "one page", schema: pageOf("TaskPage", TaskView) } },
    async handle({ ctx, query }) {
      return listAnswer(ctx, "task", query, taskView)
    },
  }),
  route({
    method: "GET",
    path: `${API}/tasks/{id}`,
    name: "getTask",
    summary: "One task",
    access: "read",
    params: IdParams,
    responses: { 200: { description: "the task", schema: TaskView }, 409: QUARANTINED },
    async handle({ ctx, params }) {
      return json(200, taskView(await currentOr404(ctx, "task", params.id)))
    },
  }),
  agentCommand("claim", "CLAIM", "Accept an assignment (the task stays assigned until start)", TaskAgentBody, () => ({})),
  agentCommand("start", "START", "Start an assigned task", TaskAgentBody, () => ({})),
  agentCommand("progress", "PROGRESS", "Report progress on a task in progress (renews its deadline)", ProgressTaskBody, (body) =>
    body.message === undefined ? { progress: body.progress } : { progress: body.progress, message: body.message },
  ),
  agentCommand("complete", "COMPLETE", "Complete a task in progress", CompleteTaskBody, (body) =>
    body.result === undefined ? {} : { result: body.result },
  ),
  agentCommand("fail", "FAIL", "Fail a task in progress (retried with backoff until max_attempts)", FailTaskBody, (body) =>
    body.error === undefined ? {} : { error: body.error },
  ),
  operatorCommand("approve", "Approve a task waiting in awaiting_approval: it becomes ready", ApproveTaskBody, () => ({
    type: "APPROVE",
    payload: {},
  })),
  operatorCommand(
    "reject",
    "Reject a task waiting in awaiting_approval: it is cancelled, and its dependants with it",
    RejectTaskBody,
    (body) => ({ type: "REJECT", payload: { reason: body.reason } }),
  ),
  route({
    method: "POST",
    path: `${API}/tasks/{id}/cancel`,
    name: "cancelTask",
    summary: "Cancel a task (operator only)",
    access: "token",
    params: IdParams,
    query: WaitQuery,
    body: CancelTaskBody,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query, body }) {
      requireOperator(principal)
      const sent = await sendCommand(ctx, { kind: "task", id: params.id, type: "CANCEL", payload: { reason: body.reason } })
      return commandAnswer(sent, query.wait)
    },
  }),
]
