// The list routes' common ground: a list query (`?status`, `?limit`, `?cursor` and the route's own
// filters) read as listActors' options, and a page of the actors that fit their machines answered as
// `{items, next_cursor}`, each brought up to its machine's version (current.ts). A quarantined actor
// cannot be shown as its kind's view, so it is left out, and the page is filled from the rows after it
// (scan.ts): SQL already leaves out the machine versions no migration brings up.
import { fittingVersions } from "../../runtime/snapshot-version.ts"
import type { ActorKind } from "../../schema/common.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { ListActorsOptions } from "../../store/queries.ts"
import type { EdgeContext } from "../context.ts"
import { bringUp } from "./current.ts"
import { type Answer, json } from "./route.ts"
import { SCAN_BUDGET, scanPage } from "./scan.ts"

/** A decoded list query: `status` is the state listed, `cursor` the `next_cursor` of the page before. */
export interface ListQuery extends Omit<ListActorsOptions, "kind" | "state" | "after"> {
  readonly status?: string
  readonly cursor?: string
}

/** The page of `kind`'s actors a list query asks for, each that fits its machine shown by `view`. */
export async function listAnswer<T>(ctx: EdgeContext, kind: ActorKind, query: ListQuery, view: (actor: StoredActor) => T): Promise<Answer> {
  const { status, cursor, limit, ...filters } = query
  const known = ctx.kinds.get(kind)
  const within = known === undefined ? {} : { machineVersionWithin: fittingVersions(known) }
  const page = await scanPage(
    ctx.sql,
    { kind, state: status, ...filters, ...within },
    { limit, after: cursor, budget: SCAN_BUDGET },
    (actor) => {
      const shown = bringUp(ctx.kinds, actor)
      return shown.quarantined === null ? view(shown.actor) : undefined
    },
  )
  return json(200, { items: page.items, next_cursor: page.next })
}
