// Dead letters for operators (PROTOCOL v1.1, invariant 10): the inbox entries that could not be
// decoded, applied or stored, with the reason; replay appends one to its inbox again (it is
// validated and applied like any entry, and dead-lettered again if it still fails); delete drops it.
import { Schema } from "effect"
import { errorFields } from "../../../log.ts"
import { requireOperator } from "../../auth.ts"
import { ApiError } from "../../../schema/errors.ts"
import {
  announceDeadLetters,
  deleteDeadLetter,
  getDeadLetter,
  listDeadLetters,
  parseDeadLetterId,
  type DeadLetter,
} from "../../../redis/dead-letters.ts"
import { scriptsOn } from "../../../redis/scripts.ts"
import { InvalidCursor } from "../../../store/queries.ts"
import type { EdgeContext } from "../../context.ts"
import { appendSent } from "../command.ts"
import { API, json, route, type Route } from "../route.ts"

const DeadLetterView = Schema.Struct({
  id: Schema.String.annotate({ description: "`<partition>:<entry id>`" }),
  partition: Schema.Number,
  source: Schema.String.annotate({ description: "the inbox entry id it was" }),
  reason: Schema.String,
  fields: Schema.Record(Schema.String, Schema.String),
  at: Schema.String.annotate({ format: "date-time" }),
}).annotate({ identifier: "DeadLetter" })

const DeadLetterPage = Schema.Struct({ items: Schema.Array(DeadLetterView), next_cursor: Schema.NullOr(Schema.String) }).annotate({
  identifier: "DeadLetterPage",
})

const Replayed = Schema.Struct({ id: Schema.String, stream_id: Schema.String }).annotate({ identifier: "DeadLetterReplayed" })

const DeadLetterParams = Schema.Struct({ id: Schema.String })

const view = (letter: DeadLetter) => ({ ...letter, at: new Date(letter.at).toISOString() })

const located = (ctx: EdgeContext, id: string) => {
  const at = parseDeadLetterId(id, ctx.partitions)
  if (!at)
    throw new ApiError({ code: "not_found", message: `dead letter ${JSON.stringify(id)} does not exist (ids look like 3:1732185600000-0)` })
  return at
}

const notFound = (id: string) => new ApiError({ code: "not_found", message: `dead letter ${JSON.stringify(id)} does not exist` })

/** Tells every edge the new total after a replay or a deletion (a live dashboard's count); best effort. */
const announced = (ctx: EdgeContext): Promise<void> =>
  announceDeadLetters(ctx.redis, ctx.keys, ctx.partitions).catch((error: unknown) =>
    ctx.log.warn("dead letters' total not announced", errorFields(error)),
  )

export const deadLetterRoutes: Route[] = [
  route({
    method: "GET",
    path: `${API}/dead-letters`,
    name: "listDeadLetters",
    summary: "Operator: the inbox entries that could not be applied or stored, oldest first, with the reason",
    access: "token",
    paged: true,
    responses: { 200: { description: "one page", schema: DeadLetterPage } },
    async handle({ ctx, principal, page }) {
      requireOperator(principal)
      const limit = page?.limit ?? 50
      const after = page?.cursor === undefined ? undefined : parseDeadLetterId(page.cursor, ctx.partitions)
      if (page?.cursor !== undefined && after === undefined) throw new InvalidCursor(page.cursor)
      const letters = await listDeadLetters(ctx.redis, ctx.keys, ctx.partitions, limit + 1, after)
      const items = letters.slice(0, limit)
      return json(200, { items: items.map(view), next_cursor: letters.length > limit ? (items.at(-1)?.id ?? null) : null })
    },
  }),
  route({
    method: "POST",
    path: `${API}/dead-letters/{id}/replay`,
    name: "replayDeadLetter",
    summary: "Operator: append a dead letter to its inbox again and remove it from the dead letters",
    access: "token",
    params: DeadLetterParams,
    responses: { 202: { description: "appended again; `stream_id` is its new inbox entry", schema: Replayed } },
    async handle({ ctx, principal, params }) {
      requireOperator(principal)
      const at = located(ctx, params.id)
      // With a deadline like every append the edge answers for (appendSent): a 503 means it was not replayed.
      const replayed = await appendSent(ctx, (deadline) =>
        scriptsOn(ctx.redis).replayDeadLetter(ctx.keys.partition(at.partition), at.entryId, deadline()),
      )
      if (!replayed.ok) throw notFound(params.id)
      ctx.log.info("dead letter replayed", { id: params.id, stream_id: replayed.value })
      await announced(ctx)
      return json(202, { id: params.id, stream_id: replayed.value })
    },
  }),
  route({
    method: "GET",
    path: `${API}/dead-letters/{id}`,
    name: "getDeadLetter",
    summary: "Operator: one dead letter",
    extension: "PROTOCOL lists dead letters and replays or deletes one by its id; this reads one by the same id",
    access: "token",
    params: DeadLetterParams,
    responses: { 200: { description: "the dead letter", schema: DeadLetterView } },
    async handle({ ctx, principal, params }) {
      requireOperator(principal)
      const letter = await getDeadLetter(ctx.redis, ctx.keys, located(ctx, params.id))
      if (!letter) throw notFound(params.id)
      return json(200, view(letter))
    },
  }),
  route({
    method: "DELETE",
    path: `${API}/dead-letters/{id}`,
    name: "deleteDeadLetter",
    summary: "Operator: drop a dead letter for good",
    access: "token",
    params: DeadLetterParams,
    responses: { 204: { description: "deleted" } },
    async handle({ ctx, principal, params }) {
      requireOperator(principal)
      if (!(await deleteDeadLetter(ctx.redis, ctx.keys, located(ctx, params.id)))) throw notFound(params.id)
      ctx.log.info("dead letter deleted", { id: params.id })
      await announced(ctx)
      return { status: 204, text: "", contentType: "text/plain" }
    },
  }),
]
