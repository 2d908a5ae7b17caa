// Context machine (docs/machines.md, "Context"): a versioned key-value document shared by a session, an
// agent, everyone (global) or for a while (temporary). Every change is a transition: PATCH sets and unsets
// dot paths, refused when `expectedVersion` is stale or the data would outgrow MAX_CONTEXT_BYTES; SHARE
// lets a session use it; a temporary context expires by its durable `expiry` timer.
import { and, assertEvent, assign, emit, enqueueActions, setup, stateIn } from "xstate"
import { armTimer, refuseInState, rejectCommand, type CommonEffect } from "./effects.ts"
import { dataBytes, MAX_CONTEXT_BYTES, patchData, type Json, type JsonObject } from "./context-data.ts"

export const CONTEXT_STATES = ["active", "expired"] as const
export type ContextState = (typeof CONTEXT_STATES)[number]

export type ContextScope = "session" | "agent" | "global" | "temporary"

export interface ContextInput {
  id: string
  scope: ContextScope
  /** The session or agent a `session` or `agent` context belongs to. */
  ownerId?: string
  /** A temporary context expires this many seconds after its creation. */
  ttlS?: number
  data: JsonObject
  /** A merge's result: the contexts and versions it was made from. */
  mergedFrom?: Array<{ id: string; version: number }>
  at: number
}

export interface ContextContext {
  id: string
  scope: ContextScope
  ownerId: string | null
  data: JsonObject
  /** 1 at creation, one more with each change: the actor's version, which `expectedVersion` is compared with. */
  version: number
  /** Sessions it is shared with (besides its owner). */
  sharedWith: string[]
  mergedFrom: Array<{ id: string; version: number }>
  expiresAt: number | null
  createdAt: number
  updatedAt: number
}

export type ContextEvent =
  | { type: "PATCH"; set: Record<string, Json>; unset: string[]; expectedVersion?: number; at: number }
  | { type: "SHARE"; sessionId: string; at: number }
  | { type: "EXPIRE"; at: number }

export type ContextEmitted = CommonEffect<{ type: "EXPIRE" }>

/** The data once `event` is applied. */
const patched = (data: JsonObject, event: Extract<ContextEvent, { type: "PATCH" }>): JsonObject => patchData(data, event.set, event.unset)

function refusal(state: ContextState, context: ContextContext, event: ContextEvent) {
  if (event.type === "PATCH" && state === "active") {
    if (event.expectedVersion !== undefined && event.expectedVersion !== context.version) {
      return rejectCommand(
        event.type,
        state,
        "conflict",
        `stale version: expected_version is ${event.expectedVersion}, the context is at version ${context.version}`,
      )
    }
    const bytes = dataBytes(patched(context.data, event))
    return rejectCommand(
      event.type,
      state,
      "payload_too_large",
      `data: ${bytes} bytes once patched, more than the ${MAX_CONTEXT_BYTES} a context may hold`,
    )
  }
  return refuseInState("context", event.type, state)
}

export const contextMachine = setup({
  types: {} as { context: ContextContext; input: ContextInput; events: ContextEvent; emitted: ContextEmitted },
  guards: {
    isCurrentVersion: ({ context, event }) =>
      event.type === "PATCH" && (event.expectedVersion === undefined || event.expectedVersion === context.version),
    fitsLimit: ({ context, event }) => event.type === "PATCH" && dataBytes(patched(context.data, event)) <= MAX_CONTEXT_BYTES,
    isDue: ({ context, event }) => event.type === "EXPIRE" && context.expiresAt !== null && event.at >= context.expiresAt,
  },
  actions: {
    armExpiry: enqueueActions(({ context, enqueue }) => {
      if (context.expiresAt !== null) enqueue.emit(armTimer("expiry", context.expiresAt, { type: "EXPIRE" as const }))
    }),
    applyPatch: assign(({ context, event }) => {
      assertEvent(event, "PATCH")
      return { data: patched(context.data, event), version: context.version + 1, updatedAt: event.at }
    }),
    share: assign(({ context, event }) => {
      assertEvent(event, "SHARE")
      const sharedWith = context.sharedWith.includes(event.sessionId) ? context.sharedWith : [...context.sharedWith, event.sessionId]
      return { sharedWith, version: context.version + 1, updatedAt: event.at }
    }),
    /** Expired: its data is gone, its history kept. */
    expire: assign(({ context, event }) => ({ data: {}, version: context.version + 1, updatedAt: event.at })),
    rejectCommand: emit(({ context, event }, params: { state: ContextState }) => refusal(params.state, context, event)),
  },
}).createMachine({
  id: "context",
  context: ({ input }) => ({
    id: input.id,
    scope: input.scope,
    ownerId: input.ownerId ?? null,
    data: input.data,
    version: 1,
    sharedWith: [],
    mergedFrom: input.mergedFrom ?? [],
    expiresAt: input.ttlS === undefined ? null : input.at + input.ttlS * 1000,
    createdAt: input.at,
    updatedAt: input.at,
  }),
  entry: "armExpiry",
  initial: "active",
  on: {
    EXPIRE: { description: "a timer for a context that is already expired: ignored on purpose" },
    "*": CONTEXT_STATES.map((state) => ({ guard: stateIn(state), actions: { type: "rejectCommand" as const, params: { state } } })),
  },
  states: {
    active: {
      on: {
        PATCH: { guard: and(["isCurrentVersion", "fitsLimit"]), actions: "applyPatch" },
        SHARE: { actions: "share" },
        EXPIRE: { guard: "isDue", target: "expired", actions: "expire" },
      },
    },
    // Not `type: "final"`: a PATCH to an expired context must still be refused visibly.
    expired: {},
  },
})
