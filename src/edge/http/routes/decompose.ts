// `POST /api/v1/tasks/{id}/decompose` and `GET /api/v1/tasks/{id}/dependencies`: a task of a session is
// split into a template's subtasks (src/planning), which join its session through the session machine
// (ADD_TASKS: the session creates them, and the task waits for them); the answer carries each subtask's
// PERT estimate and the plan's critical path. The dependency graph is read from the linked task actors (task-graph.ts). Both read
// the stored task and session brought up to their machines (current.ts): a quarantined one answers 409.
import type { SessionContext } from "../../../../machines/session.ts"
import type { TaskContext } from "../../../../machines/task.ts"
import { sessionTaskId } from "../../../../machines/task-ids.ts"
import { criticalPath } from "../../../planning/pert.ts"
import { expandTemplate } from "../../../planning/templates.ts"
import { Schema } from "effect"
import { Uuid } from "../../../schema/common.ts"
import { ApiError } from "../../../schema/errors.ts"
import { DecomposeBody } from "../../../schema/http.ts"
import { requireOperator } from "../../auth.ts"
import { sendCommand } from "../command.ts"
import { currentOr404, QUARANTINED } from "../current.ts"
import { IdParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"
import { linkedTasks } from "../task-graph.ts"
import { contextOf } from "../views.ts"

/** Subtasks are split off a task before an agent takes it. */
const DECOMPOSABLE = new Set(["blocked", "ready"])
/** The template's levels expanded when `max_depth` is not given. */
const DEFAULT_DEPTH = 2

const EstimateView = Schema.Struct({
  optimistic: Schema.Number,
  most_likely: Schema.Number,
  pessimistic: Schema.Number,
  expected: Schema.Number,
  std_dev: Schema.Number,
})

const Decomposition = Schema.Struct({
  task_id: Uuid,
  session_id: Uuid,
  template: Schema.String,
  max_depth: Schema.Number,
  subtasks: Schema.Array(
    Schema.Struct({
      id: Uuid,
      key: Schema.String,
      title: Schema.String,
      capability: Schema.String,
      depth: Schema.Number,
      depends_on: Schema.Array(Uuid),
      estimate: EstimateView,
    }),
  ),
  critical_path: Schema.Array(Uuid),
  expected_duration: Schema.Number,
  std_dev: Schema.Number,
  stream_id: Schema.String,
}).annotate({ identifier: "Decomposition" })

const DependencyGraph = Schema.Struct({
  nodes: Schema.Array(
    Schema.Struct({ id: Uuid, key: Schema.NullOr(Schema.String), title: Schema.String, capability: Schema.String, status: Schema.String }),
  ),
  edges: Schema.Array(Schema.Struct({ from: Uuid, to: Uuid })),
}).annotate({ identifier: "DependencyGraph" })

export const decomposeRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/tasks/{id}/decompose`,
    name: "decomposeTask",
    summary: "Split a waiting task of a session into a template's subtasks (PERT estimates, critical path); the task then waits for them",
    access: "token",
    params: IdParams,
    body: DecomposeBody,
    command: true,
    responses: {
      201: { description: "the subtasks joined the session", schema: Decomposition },
      202: { description: "accepted, still pending", schema: Decomposition },
      409: QUARANTINED,
    },
    async handle({ ctx, principal, params, body }) {
      requireOperator(principal)
      const task = await currentOr404(ctx, "task", params.id)
      const parent = contextOf<TaskContext>(task)
      if (parent.sessionId === null) {
        throw new ApiError({ code: "conflict", message: `task ${params.id} belongs to no session: its subtasks join the task's session` })
      }
      if (!DECOMPOSABLE.has(task.state)) {
        throw new ApiError({
          code: "conflict",
          message: `task ${params.id} is ${task.state}: a task is decomposed before an agent takes it`,
        })
      }
      const session = await currentOr404(ctx, "session", parent.sessionId)
      const firstIndex = contextOf<SessionContext>(session).taskCount
      const maxDepth = body.maxDepth ?? DEFAULT_DEPTH
      const planned = expandTemplate(body.template, maxDepth)
      const idOf = new Map(planned.map((sub, offset) => [sub.key, sessionTaskId(parent.sessionId!, firstIndex + offset)]))
      const prefix = parent.key ?? "task"
      const subtasks = planned.map((sub) => ({
        id: idOf.get(sub.key)!,
        key: `${prefix}/${sub.key}`,
        title: `${parent.title}: ${sub.title}`,
        capability: sub.capability,
        depth: sub.depth,
        dependsOn: sub.dependsOn.map((key) => idOf.get(key)!),
        estimate: sub.estimate,
      }))
      const tasks = subtasks.map((sub) => ({
        id: sub.id,
        key: sub.key,
        title: sub.title,
        capability: sub.capability,
        dependsOn: sub.dependsOn,
        spec: {
          payload: { decomposed_from: params.id, template: body.template, estimate_hours: sub.estimate.expected },
          priority: parent.priority,
        },
      }))
      const sent = await sendCommand(ctx, {
        kind: "session",
        id: parent.sessionId,
        type: "ADD_TASKS",
        payload: { tasks, firstIndex, parentId: params.id },
      })
      const critical = criticalPath(subtasks.map((sub) => ({ id: sub.id, dependsOn: sub.dependsOn, estimate: sub.estimate })))
      return json(sent.applied ? 201 : 202, {
        task_id: params.id,
        session_id: parent.sessionId,
        template: body.template,
        max_depth: maxDepth,
        subtasks: subtasks.map((sub) => ({
          id: sub.id,
          key: sub.key,
          title: sub.title,
          capability: sub.capability,
          depth: sub.depth,
          depends_on: sub.dependsOn,
          estimate: {
            optimistic: sub.estimate.optimistic,
            most_likely: sub.estimate.mostLikely,
            pessimistic: sub.estimate.pessimistic,
            expected: sub.estimate.expected,
            std_dev: sub.estimate.stdDev,
          },
        })),
        critical_path: critical.path,
        expected_duration: critical.expected,
        std_dev: critical.stdDev,
        stream_id: sent.streamId,
      })
    },
  }),
  route({
    method: "GET",
    path: `${API}/tasks/{id}/dependencies`,
    name: "taskDependencies",
    summary: "The task's dependency graph: every task linked to it through dependencies, and each edge from a dependency to its dependant",
    access: "read",
    params: IdParams,
    responses: { 200: { description: "nodes and edges", schema: DependencyGraph }, 409: QUARANTINED },
    async handle({ ctx, params }) {
      const linked = await linkedTasks(ctx.sql, ctx.kinds, await currentOr404(ctx, "task", params.id))
      const ids = new Set(linked.map((node) => node.id))
      return json(200, {
        nodes: linked.map((node) => {
          const context = contextOf<TaskContext>(node)
          return { id: node.id, key: context.key, title: context.title, capability: context.capability, status: node.state }
        }),
        edges: linked.flatMap((node) =>
          contextOf<TaskContext>(node)
            .dependsOn.filter((dependency) => ids.has(dependency))
            .map((dependency) => ({ from: dependency, to: node.id })),
        ),
      })
    },
  }),
]
