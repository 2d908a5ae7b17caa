// Effect events every machine may emit (docs/machines.md, "Conventions"): durable timers, visible refusals, and
// an actor's own erasure (`DELETE /sessions/{id}?hard=1`).

/** Arms the actor's durable timer `name` (replacing one of the same name); at `fireAt` the runtime delivers `event`, stamped with `at`. */
export interface TimerArm<TTimerEvent extends { type: string }> {
  type: "timer.arm"
  name: string
  fireAt: number
  event: TTimerEvent
}

/** Removes the actor's durable timer `name`, if armed. */
export interface TimerClear {
  type: "timer.clear"
  name: string
}

/** `conflict`: wrong state for this command (409); `forbidden`: the caller may not do this (403);
 * `payload_too_large`: the result would outgrow a stated limit (413). */
export type RejectionCode = "conflict" | "forbidden" | "payload_too_large"

/** The machine refused `command` in `state`; nothing changed. */
export interface CommandRejected {
  type: "command.rejected"
  command: string
  state: string
  code: RejectionCode
  reason: string
}

/** Erase the actor once every other effect of this command is carried out: the runtime then sends it PURGE. */
export interface EraseAfterEffects {
  type: "actor.erase"
}

/** Erase the actor now: its row (snapshot, outbox) and its history are deleted in the commit of this command,
 * and it no longer exists. Emitted alone (any other effect of the same command would be lost with the outbox). */
export interface Purge {
  type: "actor.purge"
}

/** The effects shared by all machines, for a machine whose timers deliver `TTimerEvent`. */
export type CommonEffect<TTimerEvent extends { type: string }> =
  | TimerArm<TTimerEvent>
  | TimerClear
  | CommandRejected
  | EraseAfterEffects
  | Purge

export function armTimer<TTimerEvent extends { type: string }>(name: string, fireAt: number, event: TTimerEvent): TimerArm<TTimerEvent> {
  return { type: "timer.arm", name, fireAt, event }
}

export function clearTimer(name: string): TimerClear {
  return { type: "timer.clear", name }
}

export const eraseAfterEffects: EraseAfterEffects = { type: "actor.erase" }
export const purge: Purge = { type: "actor.purge" }

export function rejectCommand(command: string, state: string, code: RejectionCode, reason: string): CommandRejected {
  return { type: "command.rejected", command, state, code, reason }
}

/** The one way every machine refuses a command its state does not accept: `<command> is not accepted while the <kind> is <state>`. */
export function refuseInState(kind: "session" | "task" | "agent" | "context", command: string, state: string): CommandRejected {
  return rejectCommand(command, state, "conflict", `${command} is not accepted while the ${kind} is ${state}`)
}
