// The list routes' common ground: a list query (`?status`, `?limit`, `?cursor` and the route's own
// filters) read as listActors' options, and a page of stored actors answered as `{items, next_cursor}`
// (each brought up to its machine's version; a quarantined actor is left out, see current.ts).
import type { ActorKind } from "../../schema/common.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import { type ActorPage, listActors, type ListActorsOptions } from "../../store/queries.ts"
import type { EdgeContext } from "../context.ts"
import { currentOnly } from "./current.ts"
import { type Answer, json } from "./route.ts"

/** A decoded list query: `status` is the state listed, `cursor` the `next_cursor` of the page before. */
export interface ListQuery extends Omit<ListActorsOptions, "kind" | "state" | "after"> {
  readonly status?: string
  readonly cursor?: string
}

/** One page as the API answers it, each actor shown by `view`. */
export const pageAnswer = <T>(page: ActorPage, view: (actor: StoredActor) => T): Answer =>
  json(200, { items: page.actors.map(view), next_cursor: page.next })

/** The page of `kind`'s actors a list query asks for. */
export async function listAnswer<T>(ctx: EdgeContext, kind: ActorKind, query: ListQuery, view: (actor: StoredActor) => T): Promise<Answer> {
  const { status, cursor, ...filters } = query
  const page = await listActors(ctx.sql, { kind, state: status, after: cursor, ...filters })
  return pageAnswer({ actors: currentOnly(ctx.kinds, page.actors), next: page.next }, view)
}
