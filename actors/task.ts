// Task actor binding: which emitted task effects become releases of agents' slots (settled by the router: transferred to the next task, or RELEASE to the agent), to its session (its
// status changes) and to its dependants (its outcome), routing requests and bot pushes; the topics
// and query columns of a task.
import { FRESH_RUN, taskMachine, type TaskContext, type TaskEmitted } from "../machines/task.ts"
import { FINISHED_STATUSES, HELD_STATUSES, type TaskStatus } from "../machines/task-statuses.ts"
import { taskView } from "./views.ts"
import { StoredTaskContext } from "./stored-contexts.ts"
import { OWN_ID, type ActorKind, type Output, type StoredDefaults, type StoredOnce } from "../src/runtime/actor-kind.ts"

/** A task of a group that is no longer held frees its slot under the group's cap. */
const groupRelease = (id: string, task: TaskContext): Output[] =>
  task.group === null || task.group === undefined ? [] : [{ _tag: "group_release", taskId: id, group: task.group }]

/** The status its session counts: a task waiting for its approval is, for the session, still blocked. */
const sessionStatus = (status: TaskStatus): TaskStatus => (status === "awaiting_approval" ? "blocked" : status)

const outputs = (effect: TaskEmitted, id: string, task: TaskContext): Output[] => {
  switch (effect.type) {
    case "task.ready":
      return [
        {
          _tag: "route_task",
          taskId: id,
          capability: effect.capability,
          priority: effect.priority,
          since: task.readyAt ?? task.updatedAt,
          ...(effect.group === null ? {} : { group: effect.group }),
        },
      ]
    case "task.assigned": {
      const [capability, title, payload, attempt] = [task.capability, task.title, task.payload, effect.attempt]
      const deadline = new Date(effect.deadline).toISOString()
      // Two literals rather than a spread in the middle (on V8 every member after a spread takes its slow path).
      const frame = task.sessionId
        ? { task_id: id, session_id: task.sessionId, capability, title, payload, attempt, deadline }
        : { task_id: id, capability, title, payload, attempt, deadline }
      return [{ _tag: "push", agentId: effect.agentId, frame: { type: "task_assigned", payload: frame } }]
    }
    case "task.released":
      // Its group's slot first: the routing call that takes the agent's next task releases it before the take.
      return [{ _tag: "release", agentId: effect.agentId, taskId: id, outcome: effect.outcome }, ...groupRelease(id, task)]
    case "task.assign_refused":
      // Taken for a proposal it could not accept: unless another agent holds it, it frees its group's slot.
      return [
        { _tag: "release", agentId: effect.agentId, taskId: id, outcome: "cancelled" },
        ...(HELD_STATUSES.has(task.status) ? [] : groupRelease(id, task)),
      ]
    case "task.cancelled":
      return effect.agentId
        ? [
            {
              _tag: "push",
              agentId: effect.agentId,
              frame: { type: "task_cancelled", payload: { task_id: id, attempt: effect.attempt ?? task.attempt, reason: effect.reason } },
            },
          ]
        : []
    case "task.status": {
      const [from, status] = [sessionStatus(effect.from), sessionStatus(effect.status)]
      return task.sessionId === null || from === status
        ? []
        : [
            {
              _tag: "send",
              to: { kind: "session", id: task.sessionId },
              type: "TASK_STATUS",
              // No task id: the session derives it from the index (machines/task-ids.ts).
              payload: { index: task.index, from, status, epoch: effect.epoch },
            },
          ]
    }
    case "task.finished":
      return task.dependants.map((dependant) => ({
        _tag: "send",
        to: { kind: "task", id: dependant },
        type: "DEPENDENCY_FINISHED",
        payload: { taskId: id, status: effect.status, epoch: effect.epoch },
      }))
    default:
      return []
  }
}

/** Members left out of a stored task while they hold nothing (src/runtime/stored-snapshot.ts): most of a
 * task's context until it runs, and a third of it after. */
const STORED_DEFAULTS: StoredDefaults<TaskContext> = {
  // its row's id: written once, in the row
  id: OWN_ID,
  ...FRESH_RUN,
  sessionId: null,
  index: null,
  key: null,
  dependsOn: [],
  dependants: [],
  dependenciesDone: [],
  held: false,
  epoch: 0,
  finishedEpoch: null,
  group: null,
  requiresApproval: false,
  approvalTimeoutS: null,
  approvedAt: null,
  approvalDeadlineAt: null,
  attempt: 0,
  // Absent from a snapshot stored before attempts were numbered on across runs: none before its current run.
  attemptsBefore: 0,
  // Absent from a snapshot stored before it was kept: no attempt taken from an agent is known.
  takenFrom: [],
  // Absent from a snapshot stored before it was kept, and from one with no agent to refuse.
  refuseAssignFrom: null,
}

/** What a task is given at its creation and keeps (tests/unit/machines/task/paths.test.ts holds it): stored once in its
 * row, not at each of its transitions (src/runtime/stored-snapshot.ts). Its `id` is its row's. */
const STORED_ONCE: StoredOnce<TaskContext> = [
  "sessionId",
  "index",
  "key",
  "title",
  "capability",
  "payload",
  "dependants",
  "timeoutS",
  "maxAttempts",
  "priority",
  "group",
  "requiresApproval",
  "approvalTimeoutS",
  "createdAt",
]

export const taskKind: ActorKind = {
  kind: "task",
  machine: taskMachine,
  storedDefaults: STORED_DEFAULTS,
  storedOnce: STORED_ONCE,
  context: StoredTaskContext,
  createType: "CREATE",
  // A finished task hears little more (a RETRY, its session's sweep or erasure, a bot's late report): not held.
  restingStates: FINISHED_STATUSES,
  outputs: (effect, self) => outputs(effect as TaskEmitted, self.id, self.context as TaskContext),
  topics: (id, context) => {
    const sessionId = (context as TaskContext).sessionId
    return ["tasks", `task:${id}`, ...(sessionId ? [`session:${sessionId}`] : [])]
  },
  columns: (context) => {
    const task = context as TaskContext
    return {
      sessionId: task.sessionId,
      capability: task.capability,
      agentId: task.agentId,
      priority: task.priority,
      group: task.group ?? null,
      index: task.index,
    }
  },
  view: (id, context, state) => taskView(id, context as TaskContext, state),
  // A proposal for a task erased meanwhile (it may still have been in a ready queue): the agent frees its slot.
  whenMissing: (command) =>
    command.type === "ASSIGN" && typeof command.payload["agentId"] === "string"
      ? [{ _tag: "release", agentId: command.payload["agentId"], taskId: command.id, outcome: "cancelled" }]
      : [],
}
