// A stored actor as the deployment's machines see it: its snapshot brought up to its kind's machine
// version by the kind's registered migrations (restoreStored, the function the runtime restores
// actors with), or quarantined with the runtime's reason when it cannot be. A view of a
// quarantined actor is refused with 409 `conflict` and the reason; lists leave it out
// (`GET /actors?quarantined=1` lists it); `/actors/{kind}/{id}` shows it as stored, with the reason.
import type { ActorKind } from "../../runtime/actor-kind.ts"
import { machineVersion, restoreStored } from "../../runtime/snapshot-version.ts"
import { ApiError, ErrorBody } from "../../schema/errors.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { EdgeContext } from "../context.ts"
import { actorOr404 } from "./params.ts"

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
  return { actor: { ...actor, snapshot: restored.persisted, machineVersion: machineVersion(kind) }, quarantined: null }
}

/** The stored actor brought up to its machine; `not_found` when there is none, `conflict` with the reason when it is quarantined. */
export const currentOr404 = async (ctx: EdgeContext, kind: string, id: string): Promise<StoredActor> => {
  const shown = bringUp(ctx.kinds, await actorOr404(ctx.sql, kind, id))
  if (shown.quarantined !== null) throw new ApiError({ code: "conflict", message: shown.quarantined })
  return shown.actor
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
