// What the control socket reads from stored actor snapshots, decoded with Schemas (a stored
// snapshot is input like any other): an agent's presence, and a held task's assignment.
import { Schema } from "effect"
import { Capability, Json, NonNegativeInt, Uuid } from "../../schema/common.ts"
import { decodeOr, type Decoded } from "../../schema/errors.ts"

/** The parts of an agent's snapshot the control socket needs. */
export const AgentPresence = Schema.Struct({
  context: Schema.Struct({
    heartbeatIntervalMs: Schema.Int.check(Schema.isGreaterThan(0)),
    /** Set by each CONNECT of a control socket (not by HTTP heartbeats): the agent had a socket before. */
    lastConnectedAt: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  }),
})
export type AgentPresence = typeof AgentPresence.Type

/** The parts of a task's snapshot a `task_assigned` frame is rebuilt from. */
export const TaskAssignment = Schema.Struct({
  context: Schema.Struct({
    id: Uuid,
    sessionId: Schema.NullOr(Uuid),
    capability: Capability,
    title: Schema.String,
    payload: Json,
    attempt: NonNegativeInt,
    deadlineAt: Schema.Number,
  }),
})
export type TaskAssignment = typeof TaskAssignment.Type

export const decodeAgentPresence = (snapshot: unknown): Decoded<AgentPresence> => decodeOr(AgentPresence, snapshot)
export const decodeTaskAssignment = (snapshot: unknown): Decoded<TaskAssignment> => decodeOr(TaskAssignment, snapshot)
