// The wire shapes the dashboard reads (docs/protocol.md): actor views by kind, events, machines.
import type { SubscribedEvent } from "../../../src/client/types.ts"
import type { Json } from "../../../src/runtime/merge-patch.ts"

export type { Json }
export type Kind = "session" | "task" | "agent"
export const KINDS: ReadonlyArray<Kind> = ["session", "task", "agent"]

export type View = { [key: string]: Json } & { id: string; status: string; version: number }

/** One transition as the event socket sends it, with its `cursor` (the client SDK's type). */
export type ActorEvent = SubscribedEvent

/** `GET /actors/{kind}/{id}/history` entries. */
export interface HistoryEntry {
  readonly version: number
  readonly from: string | null
  readonly to: string
  readonly event: string
  readonly patch: { [key: string]: Json }
  readonly at: string
  readonly by: string | null
}

export interface TransitionDescription {
  readonly event: string
  readonly target: ReadonlyArray<string>
  readonly guard?: string
  readonly actions: ReadonlyArray<string>
}

export interface StateDescription {
  readonly type: string
  readonly initial?: string
  readonly on: ReadonlyArray<TransitionDescription>
  readonly states?: Readonly<Record<string, StateDescription>>
}

export interface MachineDescription extends StateDescription {
  readonly id: string
  readonly initial: string
}

/** The list path of each kind (`/api/v1/<path>`). */
export const PATHS: Readonly<Record<Kind, string>> = { session: "sessions", task: "tasks", agent: "agents" }
