// The runtime's whole view of an actor kind: its machine plus the rules binding it to the
// streams. `actors/` implements one per kind; the runtime never imports machines/ or actors/.
import type { Schema } from "effect"
import type { AnyStateMachine } from "xstate"

export interface ActorRef {
  readonly kind: string
  readonly id: string
}

/** An event a machine emitted while it applied a command (see docs/machines.md). */
export interface Emitted {
  readonly type: string
  readonly [field: string]: unknown
}

/** A command for another actor's inbox. */
export interface SendOutput {
  readonly _tag: "send"
  readonly to: ActorRef
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
}

/** Put a ready task in its capability's ready queue, and wake agents with free capacity for it.
 * A refused proposal comes back without the facts: the router reads them (and drops a task no
 * longer ready). */
export interface RouteTaskOutput {
  readonly _tag: "route_task"
  readonly taskId: string
  readonly capability?: string
  readonly priority?: number
  /** When the task became ready (ms since the epoch): its place among equals. */
  readonly since?: number
  /** Its group (fairness and `max_in_flight`); null or absent: the default group. */
  readonly group?: string | null
  /** The agent that refused it when it was proposed (RESERVE, or a RELEASE's next task): that proposal stops counting
   * against the agent's free slots now, not after the hold. */
  readonly refusedBy?: string
}

/** A task of a group is no longer assigned or in progress: it stops counting against its group's cap. */
export interface GroupReleaseOutput {
  readonly _tag: "group_release"
  readonly taskId: string
  readonly group: string
}

/** An agent with free capacity takes the most urgent ready tasks of its capabilities. */
export interface FillAgentOutput {
  readonly _tag: "fill_agent"
  readonly agentId: string
  readonly capabilities: ReadonlyArray<string>
  readonly free: number
  /** Its routing score in [0, 1]: among idle agents, the best is woken first for a new ready task. */
  readonly score?: number
  /** Whether the router may transfer its slots from completed tasks to next ones without telling it (its breaker
   * closed); absent: it may. */
  readonly transfers?: boolean
  /** The slots its machine holds (`inflight`): with them the router keeps its free slots exactly and a wake gives them
   * straight to tasks (ASSIGN, nothing to the agent, which hears of them at its next RELEASE); absent: a wake proposes. */
  readonly held?: ReadonlyArray<string>
}

/** A task no longer held by its agent: the batch's routing call settles the slot it frees (route-batch.lua): a
 * completed task's slot is transferred to a ready task of the agent's capabilities (ASSIGN appended to that task,
 * nothing to the agent), otherwise RELEASE is appended to the agent with the slot and the ready task taken for it
 * (its next reservation). */
export interface ReleaseOutput {
  readonly _tag: "release"
  readonly agentId: string
  readonly taskId: string
  readonly outcome: string
}

/** A command to each task holding one of an agent's slots (its machine's `inflight` names each slot by the task it
 * was reserved for; the router may have transferred it since): the batch's routing call resolves them, and no slot of
 * the agent is transferred after it; `lost`: the slots are forgotten (the agent dropped them). */
export interface AgentTasksOutput {
  readonly _tag: "agent_tasks"
  readonly agentId: string
  readonly slots: ReadonlyArray<string>
  /** Its capabilities: it is idle for none of them from this call on (a wake would propose it a task it refuses, or
   * one it still holds). Absent from an item stored before it was carried: the router's own record of them is used. */
  readonly capabilities?: ReadonlyArray<string>
  readonly lost: boolean
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
}

/** A frame for one bot's control socket (delivered by the edge). */
export interface PushOutput {
  readonly _tag: "push"
  readonly agentId: string
  readonly frame: { readonly type: string; readonly payload: Readonly<Record<string, unknown>> }
}

/** Ask the store how many of a session's `ready` tasks have a registered agent offering their capability;
 * the runtime appends `reply` to its actor with `ready` and `offered` added to its payload (a session's
 * orphan check, docs/machines.md). Read off the hot path: once per check, never per transition. */
export interface CoverageOutput {
  readonly _tag: "coverage"
  readonly sessionId: string
  readonly reply: Omit<SendOutput, "_tag">
}

export type Output =
  | SendOutput
  | RouteTaskOutput
  | FillAgentOutput
  | PushOutput
  | CoverageOutput
  | GroupReleaseOutput
  | ReleaseOutput
  | AgentTasksOutput

/** Columns stored beside the snapshot so operators and the router can query them. */
export interface ActorColumns {
  readonly sessionId?: string | null
  readonly capability?: string | null
  readonly agentId?: string | null
  readonly capabilities?: ReadonlyArray<string> | null
  readonly freeCapacity?: number | null
  readonly load?: number | null
  /** An agent's routing score while it takes work (the router ranks idle agents by it). */
  readonly routingScore?: number | null
  readonly priority?: number | null
  /** When a session was soft-deleted (ms since the epoch): its lists and counts leave it out. */
  readonly deletedAt?: number | null
  /** A task's group (`?group=`, the router's group caps). */
  readonly group?: string | null
  /** A task's place in its session's task list (the order a session's tasks are read in). */
  readonly index?: number | null
}

/** A stored snapshot as XState persists it (plain JSON). */
export interface PersistedSnapshot {
  readonly value: unknown
  readonly context: unknown
  readonly [field: string]: unknown
}

/** The stored default of a member that holds the actor's own id (its row holds it already). */
export const OWN_ID = { ownId: true } as const

/** A context member's value a stored snapshot leaves out (src/runtime/stored-snapshot.ts): a scalar, an empty
 * list, or `OWN_ID` (the actor's own id). */
export type StoredDefault = null | boolean | number | string | readonly [] | typeof OWN_ID

/** A kind's stored defaults, keyed by members of its context `C`. Only values meaning "nothing yet" (null,
 * false, 0, an empty list) and `OWN_ID` belong here: a default that changed later would change what old rows read as. */
export type StoredDefaults<C> = { readonly [K in keyof C]?: StoredDefault }

/** A kind's members stored once, named among the members of its context `C`. */
export type StoredOnce<C> = ReadonlyArray<keyof C & string>

export interface ActorKind {
  readonly kind: string
  readonly machine: AnyStateMachine
  /** Context members a stored snapshot leaves out while they hold exactly this value, put back when it
   * is read (before the machine or a view sees it). A migration (`migrations`) may meet a snapshot
   * without them: an absent member is at its default. */
  readonly storedDefaults?: Readonly<Record<string, StoredDefault>>
  /** Context members no transition changes after creation (a test walks the machine to hold it). The row's
   * snapshot leaves them out; its `stored_once` column holds them, written when the row may lack them (the
   * actor created, or restored from its row) and kept by every other write (src/runtime/stored-snapshot.ts). */
  readonly storedOnce?: ReadonlyArray<string>
  /** The version of the machine's snapshots (default 1). Raise it with a change that makes stored
   * snapshots not fit (a state renamed or removed, the context reshaped), and register in
   * `migrations` how an older snapshot becomes a current one; an actor whose snapshot cannot be
   * brought up is quarantined (its commands dead-lettered with the reason), never silently stuck. */
  readonly version?: number
  /** `migrations[n]` turns a snapshot of version `n` into one of version `n + 1`. */
  readonly migrations?: Readonly<Record<number, (snapshot: PersistedSnapshot) => PersistedSnapshot>>
  /** What a stored snapshot's context must decode as (after the migrations, before the machine restores it);
   * a context that does not decode quarantines the actor with the failing field named. */
  readonly context?: Schema.Decoder<unknown>
  /** The command type that creates an actor of this kind; its payload is the machine input. */
  readonly createType: string
  /** Turns one emitted domain effect into outputs (timers and refusals are the runtime's). */
  readonly outputs: (effect: Emitted, self: { readonly id: string; readonly context: unknown }) => ReadonlyArray<Output>
  /** Topics a change of this actor is published on, besides `machines`. */
  readonly topics: (id: string, context: unknown) => ReadonlyArray<string>
  /** Effects for an event sent to an actor in a final state (XState drops such events).
   * Without it, the runtime refuses the event with `conflict`. */
  readonly afterFinal?: (event: { readonly type: string; readonly [field: string]: unknown }) => ReadonlyArray<{ readonly type: string }>
  /** Outputs for a command sent to an actor of this kind that does not exist (never created, or erased), which
   * the runtime refuses `not_found`: what the sender must still be told (a proposal's reserved slot freed). */
  readonly whenMissing?: (command: {
    readonly id: string
    readonly type: string
    readonly payload: Readonly<Record<string, unknown>>
  }) => ReadonlyArray<Output>
  /** States an actor of this kind seldom leaves (a task's finished ones): once a committed batch brings it into one, the
   * process does not hold it in memory (`actor-host.ts`); a later command restores it from its row, as it does an actor
   * held idle past the passivation time. What a process holds is then the actors still moving, not every task finished
   * within that time (a number that grows with the load). */
  readonly restingStates?: ReadonlySet<string>
  /** The ids its sweeps address, in order, for the first `count` of them (a session's tasks, derived from its id): a
   * sweep's sends to exactly those are stored by their count, not their ids (stored-outbox.ts). */
  readonly sweepIds?: (id: string, count: number) => ReadonlyArray<string>
  /** Columns for queries, from the actor's context and state. */
  readonly columns: (context: unknown, state: string) => ActorColumns
  /** The actor's public view (PROTOCOL.md: what `GET` returns) without its stored position fields
   * (`created_at`, `updated_at`, `stream_id`, `version`) and without lists it links to. Each
   * transition is recorded as the RFC 7396 merge patch between two such views (invariant 9). */
  readonly view: (id: string, context: unknown, state: string) => Readonly<Record<string, unknown>>
}

export const refKey = (ref: ActorRef): string => `${ref.kind}:${ref.id}`
