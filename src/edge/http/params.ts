// Path parameter Schemas shared by the routes, the read-or-404 of one stored actor, and the 404 of a
// route that needs only to know the actor exists.
import { Schema } from "effect"
import { ActorKind, Uuid } from "../../schema/common.ts"
import { ApiError } from "../../schema/errors.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { actorExists, getActor } from "../../store/queries.ts"

export const IdParams = Schema.Struct({ id: Uuid })
export const KindParams = Schema.Struct({ kind: Schema.String })
export const ActorParams = Schema.Struct({ kind: ActorKind, id: Uuid })

export const notFound = (kind: string, id: string): ApiError => new ApiError({ code: "not_found", message: `${kind} ${id} does not exist` })

/** The stored actor, or `not_found`. */
export const actorOr404 = async (sql: Sql, kind: string, id: string): Promise<StoredActor> => {
  const actor = await getActor(sql, kind, id)
  if (!actor) throw notFound(kind, id)
  return actor
}

/** `not_found` unless the actor is stored (for routes that need no more of it than that). */
export const existsOr404 = async (sql: Sql, kind: string, id: string): Promise<void> => {
  if (!(await actorExists(sql, kind, id))) throw notFound(kind, id)
}
