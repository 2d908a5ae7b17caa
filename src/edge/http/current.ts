// A stored actor as the deployment's machines see it: its snapshot brought up to its kind's machine
// version by the kind's registered migrations and its context decoded (restoreStored, the function the
// runtime restores actors with), or quarantined with the runtime's reason when it cannot be. Every
// read of a stored snapshot at the edge goes through here. Reading one actor that is quarantined is
// refused with 409 `conflict` and the reason; lists leave it out (scan.ts keeps pages full);
// `GET /actors?quarantined=1` lists it; `/actors/{kind}/{id}` shows it as stored, with the reason.
import type { ActorKind } from "../../runtime/actor-kind.ts"
import { machineVersion, restoreStored } from "../../runtime/snapshot-version.ts"
import { ApiError, ErrorBody } from "../../schema/errors.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import { getActor } from "../../store/queries.ts"
import type { EdgeContext } from "../context.ts"
import { notFound } from "./params.ts"

/** A stored actor brought up to its machine, or as stored with why it cannot be. */
export interface Shown {
  readonly actor: StoredActor
  readonly quarantined: string | null
}

/** `actor` brought up to its kind's machine version (an actor of a kind the edge was not given is shown as stored). */
export const bringUp = (kinds: ReadonlyMap<string, ActorKind>, actor: StoredActor): Shown => {
  const kind = kinds.get(actor.kind)
  if (kind === undefined) return { actor, quarantined: null }
  const restored = restoreStored(kind, `${actor.kind}:${actor.id}`, actor)
  if (!restored.ok) return { actor, quarantined: restored.quarantined }
  return {
    actor: { ...actor, state: restored.state, snapshot: restored.persisted, machineVersion: machineVersion(kind) },
    quarantined: null,
  }
}

/** The refusal of a read of a quarantined actor: `conflict`, the runtime's reason as the message. */
export const quarantinedError = (reason: string): ApiError => new ApiError({ code: "conflict", message: reason })

/** `actor` brought up to its machine; `conflict` with the reason when it is quarantined. */
export const current = (kinds: ReadonlyMap<string, ActorKind>, actor: StoredActor): StoredActor => {
  const shown = bringUp(kinds, actor)
  if (shown.quarantined !== null) throw quarantinedError(shown.quarantined)
  return shown.actor
}

/** The stored actor brought up to its machine, undefined when there is none; `conflict` with the reason when it is quarantined. */
export const currentIfAny = async (ctx: EdgeContext, kind: string, id: string): Promise<StoredActor | undefined> => {
  const actor = await getActor(ctx.sql, kind, id)
  return actor && current(ctx.kinds, actor)
}

/** The stored actor brought up to its machine; `not_found` when there is none, `conflict` with the reason when it is quarantined. */
export const currentOr404 = async (ctx: EdgeContext, kind: string, id: string): Promise<StoredActor> => {
  const actor = await currentIfAny(ctx, kind, id)
  if (actor === undefined) throw notFound(kind, id)
  return actor
}

/** The actors brought up to their machines, the quarantined left out. */
export const currentOnly = (kinds: ReadonlyMap<string, ActorKind>, actors: ReadonlyArray<StoredActor>): StoredActor[] =>
  actors.flatMap((actor) => {
    const shown = bringUp(kinds, actor)
    return shown.quarantined === null ? [shown.actor] : []
  })

/** The answer documented on a view of one actor (OpenAPI). */
export const QUARANTINED = {
  description: "conflict: its stored snapshot does not fit its machine (quarantined); the message says why and what to do",
  schema: ErrorBody,
}
