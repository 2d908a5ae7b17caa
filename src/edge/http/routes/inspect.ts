// Inspection: the machines' definitions (`/machines`), the persisted actors (`/actors`), answered
// from Postgres, each brought up to its machine's version (current.ts), and their counts by state
// (`/actors/counts`, beyond PROTOCOL v1.1, for dashboards); `/actors` without `kind` lists
// sessions, then tasks, then agents, then contexts; `?quarantined=1` only those whose snapshot's machine
// version no registered migration brings up to the current one.
import { Schema } from "effect"
import type { ActorKind } from "../../../schema/common.ts"
import { ApiError } from "../../../schema/errors.ts"
import { HistoryQuery } from "../../../schema/history.ts"
import { ActorsQuery } from "../../../schema/http.ts"
import type { StoredActor } from "../../../store/actor-row.ts"
import type { Sql } from "../../../store/db.ts"
import { countActorsByState } from "../../../store/counts.ts"
import { actorHistory } from "../../../store/history.ts"
import { InvalidCursor, listActors, type ActorPage, type ListActorsOptions } from "../../../store/queries.ts"
import { fittingVersions } from "../../../runtime/snapshot-version.ts"
import { bringUp } from "../current.ts"
import { pageAnswer } from "../listing.ts"
import { ActorParams, actorOr404, KindParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"
import { ActorHistory, ActorRecord, actorRecord, historyView, pageOf } from "../views.ts"

const Machine = Schema.Record(Schema.String, Schema.Unknown).annotate({
  identifier: "Machine",
  description: "A machine's definition: states, transitions with their events, targets, guards and actions by name",
})

const StateCounts = Schema.Struct({
  counts: Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Int)),
}).annotate({
  identifier: "StateCounts",
  description: "How many actors of each kind are in each state (a kind or state with none is absent); soft-deleted sessions are left out",
})

const ALL_KINDS: ReadonlyArray<ActorKind> = ["session", "task", "agent", "context"]
const EVERY_VERSION = { from: 0, to: Number.MAX_SAFE_INTEGER }

type ActorFilter = Pick<ListActorsOptions, "state" | "olderThanS" | "machineVersionOutside">

// A position across kinds: the kind being listed and listActors' cursor within it.
const encodeSpan = (kind: string, after: string | undefined): string => Buffer.from(`${kind}:${after ?? ""}`).toString("base64url")

const decodeSpan = (cursor: string, kinds: ReadonlyArray<string>): { index: number; after: string | undefined } => {
  const [kind = "", after = ""] = Buffer.from(cursor, "base64url").toString().split(/:(.*)/s)
  const index = kinds.indexOf(kind)
  if (index < 0) throw new InvalidCursor(cursor)
  return { index, after: after === "" ? undefined : after }
}

/** One page of actors of `kinds`, listed one kind after another, each kind's with its own filter. */
const listKinds = async (
  sql: Sql,
  kinds: ReadonlyArray<ActorKind>,
  filter: (kind: ActorKind) => ActorFilter,
  limit: number,
  cursor?: string,
): Promise<ActorPage> => {
  let { index, after } = cursor === undefined ? { index: 0, after: undefined } : decodeSpan(cursor, kinds)
  const actors: StoredActor[] = []
  for (let kind = kinds[index]; kind !== undefined; kind = kinds[index]) {
    const page = await listActors(sql, { kind, ...filter(kind), limit: limit - actors.length, after })
    actors.push(...page.actors)
    if (page.next !== null) return { actors, next: encodeSpan(kind, page.next) }
    index += 1
    after = undefined
    const following = kinds[index]
    if (actors.length >= limit) return { actors, next: following === undefined ? null : encodeSpan(following, undefined) }
  }
  return { actors, next: null }
}

export const inspectRoutes: Route[] = [
  route({
    method: "GET",
    path: `${API}/machines`,
    name: "listMachines",
    summary: "Every machine's definition, by actor kind",
    access: "read",
    responses: { 200: { description: "the machines by kind", schema: Schema.Record(Schema.String, Machine) } },
    async handle({ ctx }) {
      return json(200, ctx.machines)
    },
  }),
  route({
    method: "GET",
    path: `${API}/machines/{kind}`,
    name: "getMachine",
    summary: "One machine's definition",
    access: "read",
    params: KindParams,
    responses: { 200: { description: "the machine", schema: Machine } },
    async handle({ ctx, params }) {
      const machine = ctx.machines[params.kind]
      if (!machine)
        throw new ApiError({
          code: "not_found",
          message: `kind: no machine ${JSON.stringify(params.kind)} (one of ${Object.keys(ctx.machines).join(", ")})`,
        })
      return json(200, machine)
    },
  }),
  route({
    method: "GET",
    path: `${API}/actors`,
    name: "listActors",
    summary:
      "Persisted actors, oldest in their state first; filter by kind, state and time in state, or list the quarantined (`quarantined=1`)",
    access: "read",
    query: ActorsQuery,
    paged: true,
    responses: { 200: { description: "one page", schema: pageOf("ActorPage", ActorRecord) } },
    async handle({ ctx, query, page }) {
      const { kind, state, olderThanS, quarantined } = query
      const limit = page?.limit ?? 50
      // Quarantined: outside the versions the kind's migrations bring up (none, of a kind the edge was not given).
      const filter = (listed: ActorKind): ActorFilter => {
        if (!quarantined) return { state, olderThanS }
        const known = ctx.kinds.get(listed)
        return { state, olderThanS, machineVersionOutside: known === undefined ? EVERY_VERSION : fittingVersions(known) }
      }
      const listed = await listKinds(ctx.sql, kind === undefined ? ALL_KINDS : [kind], filter, limit, page?.cursor)
      return pageAnswer(listed, (actor) => actorRecord(bringUp(ctx.kinds, actor)))
    },
  }),
  route({
    method: "GET",
    path: `${API}/actors/counts`,
    name: "countActors",
    summary: "How many actors of each kind are in each state, in one query (beyond PROTOCOL v1.1: a dashboard starts from these)",
    access: "read",
    responses: { 200: { description: "the counts by kind and state", schema: StateCounts } },
    async handle({ ctx }) {
      return json(200, { counts: await countActorsByState(ctx.sql) })
    },
  }),
  route({
    method: "GET",
    path: `${API}/actors/{kind}/{id}`,
    name: "getActor",
    summary: "One persisted actor: snapshot, state, stream id, version",
    access: "read",
    params: ActorParams,
    responses: { 200: { description: "the actor (a quarantined one as stored, with the reason)", schema: ActorRecord } },
    async handle({ ctx, params }) {
      return json(200, actorRecord(bringUp(ctx.kinds, await actorOr404(ctx.sql, params.kind, params.id))))
    },
  }),
  route({
    method: "GET",
    path: `${API}/actors/{kind}/{id}/history`,
    name: "getActorHistory",
    summary: "One actor's transitions in version order, each its version and the merge patch of its view (time travel)",
    access: "read",
    params: ActorParams,
    query: HistoryQuery,
    responses: { 200: { description: "the transitions after `after_version`", schema: ActorHistory } },
    async handle({ ctx, params, query }) {
      await actorOr404(ctx.sql, params.kind, params.id)
      return json(200, historyView(params.kind, params.id, await actorHistory(ctx.sql, params.kind, params.id, query)))
    },
  }),
]
