// Inspection: the machines' definitions (`/machines`), the persisted actors (`/actors`), answered
// from Postgres, each brought up to its machine's version (current.ts), and their counts by state
// (`/actors/counts`, beyond PROTOCOL v1.1, for dashboards: ../counts.ts); `/actors` without `kind` lists sessions,
// then tasks, then agents, then contexts, a quarantined actor marked with its reason; `?quarantined=1`
// only those, by restoreStored's verdict on each row: a page reads on, a window at a time, until it holds
// `limit` or the table ends (scan.ts bounds the rows a page reads).
import { Schema } from "effect"
import type { ActorKind } from "../../../schema/common.ts"
import { ApiError } from "../../../schema/errors.ts"
import { HistoryQuery } from "../../../schema/history.ts"
import { ActorsQuery } from "../../../schema/http.ts"
import type { StoredActor } from "../../../store/actor-row.ts"
import type { Sql } from "../../../store/db.ts"
import { actorHistory } from "../../../store/history.ts"
import { InvalidCursor, type ListActorsOptions } from "../../../store/queries.ts"
import { countsAt } from "../counts.ts"
import { bringUp } from "../current.ts"
import { QUARANTINE_BUDGET, QUARANTINE_WINDOW, QUARANTINE_WINDOW_MS, SCAN_BUDGET, type ScanPage, scanPage } from "../scan.ts"
import { ActorParams, actorOr404, existsOr404, KindParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"
import { ActorHistory, ActorRecord, actorRecord, historyView, pageOf } from "../views.ts"

const Machine = Schema.Record(Schema.String, Schema.Unknown).annotate({
  identifier: "Machine",
  description: "A machine's definition: states, transitions with their events, targets, guards and actions by name",
})

const StateCounts = Schema.Struct({
  counts: Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Int)),
  quarantined: Schema.Record(Schema.String, Schema.Int),
  cursor: Schema.String,
  versions: Schema.Array(Schema.Struct({ kind: Schema.String, id: Schema.String, version: Schema.Int, counted: Schema.Boolean })),
}).annotate({
  identifier: "StateCounts",
  description:
    "How many actors of each kind are in each state, as the lists show them (a kind or state with none is absent): soft-deleted sessions are left out, " +
    "quarantined actors counted apart by kind. The counts include every event up to `cursor` (an event-stream position); an event after it is " +
    "already included only if its actor is in `versions` at that version or later, or is there uncounted (docs/protocol.md)",
})

const ALL_KINDS: ReadonlyArray<ActorKind> = ["session", "task", "agent", "context"]

type ActorFilter = Pick<ListActorsOptions, "state" | "olderThanS">

// A position across kinds: the kind being listed and its scan's cursor within it.
const encodeSpan = (kind: string, after: string | undefined): string => Buffer.from(`${kind}:${after ?? ""}`).toString("base64url")

const decodeSpan = (cursor: string, kinds: ReadonlyArray<string>): { index: number; after: string | undefined } => {
  const [kind = "", after = ""] = Buffer.from(cursor, "base64url").toString().split(/:(.*)/s)
  const index = kinds.indexOf(kind)
  if (index < 0) throw new InvalidCursor(cursor)
  return { index, after: after === "" ? undefined : after }
}

/** How a listing reads: rows looked at per page at most, per query at least, and how long a query may take. */
type Reading = Pick<ScanPage, "budget" | "window" | "windowTimeoutMs">

/** Every actor (few left out): SCAN_BUDGET rows, within the request's store budget. */
const EVERY: Reading = { budget: SCAN_BUDGET }
/** Only the quarantined (most left out): windows of QUARANTINE_WINDOW rows until the page is full, QUARANTINE_BUDGET at most. */
const QUARANTINED_ONLY: Reading = { budget: QUARANTINE_BUDGET, window: QUARANTINE_WINDOW, windowTimeoutMs: QUARANTINE_WINDOW_MS }

/** One page of the records `keep` makes of actors of `kinds`, listed one kind after another, the scan's budget shared by them. */
const listKinds = async <T>(
  sql: Sql,
  kinds: ReadonlyArray<ActorKind>,
  filter: ActorFilter,
  limit: number,
  cursor: string | undefined,
  keep: (actor: StoredActor) => T | undefined,
  { budget: total, window, windowTimeoutMs }: Reading,
): Promise<{ items: T[]; next: string | null }> => {
  let { index, after } = cursor === undefined ? { index: 0, after: undefined } : decodeSpan(cursor, kinds)
  const items: T[] = []
  let budget = total
  for (let kind = kinds[index]; kind !== undefined; kind = kinds[index]) {
    const page = await scanPage(sql, { kind, ...filter }, { limit: limit - items.length, after, budget, window, windowTimeoutMs }, keep)
    items.push(...page.items)
    budget -= page.examined
    if (page.next !== null) return { items, next: encodeSpan(kind, page.next) }
    index += 1
    after = undefined
    const following = kinds[index]
    if (following === undefined) break
    if (items.length >= limit || budget <= 0) return { items, next: encodeSpan(following, undefined) }
  }
  return { items, next: null }
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
      // Every actor, a quarantined one marked with its reason; or only those (restoreStored's verdict on each row).
      const keep = (actor: StoredActor) => {
        const shown = bringUp(ctx.kinds, actor)
        return quarantined && shown.quarantined === null ? undefined : actorRecord(shown)
      }
      const kinds = kind === undefined ? ALL_KINDS : [kind]
      const limit = page?.limit ?? 50
      // The quarantined are found by reading windows of stored actors until the page is full: more than the
      // request's store budget (deadline.ts) allows, so each window's query has its own bound instead.
      const listed = quarantined
        ? await ctx.budget.exempt(listKinds(ctx.sql, kinds, { state, olderThanS }, limit, page?.cursor, keep, QUARANTINED_ONLY))
        : await listKinds(ctx.sql, kinds, { state, olderThanS }, limit, page?.cursor, keep, EVERY)
      return json(200, { items: listed.items, next_cursor: listed.next })
    },
  }),
  route({
    method: "GET",
    path: `${API}/actors/counts`,
    name: "countActors",
    summary: "How many actors of each kind are in each state, at a position of the event stream",
    extension: "a dashboard starts its live counts from these, then follows the event stream",
    access: "read",
    responses: { 200: { description: "the counts by kind and state", schema: StateCounts } },
    async handle({ ctx }) {
      return json(200, await countsAt(ctx))
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
      await existsOr404(ctx.sql, params.kind, params.id)
      return json(200, historyView(params.kind, params.id, await actorHistory(ctx.sql, params.kind, params.id, query)))
    },
  }),
]
