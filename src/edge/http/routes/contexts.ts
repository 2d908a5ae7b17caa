// `/api/v1/contexts`: versioned key-value documents, each a context actor (every change a transition,
// streamed on `context:{id}`): create, read (whole or one dot path), patch (409 on a stale
// `expected_version`, 413 past the size limit), history, the diff between two versions, merge into a new
// context, and sharing with a session. Reads come from the store; every change goes through the inbox.
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import type { ContextContext } from "../../../../machines/context.ts"
import { dataBytes, diffData, getPath, MAX_CONTEXT_BYTES, mergeData, type JsonObject } from "../../../../machines/context-data.ts"
import { applyPatch, type Json } from "../../../runtime/merge-patch.ts"
import { Uuid } from "../../../schema/common.ts"
import { ApiError } from "../../../schema/errors.ts"
import { HistoryQuery } from "../../../schema/history.ts"
import {
  ContextDiffQuery,
  ContextKeyQuery,
  CreateContextBody,
  MergeContextsBody,
  PatchContextBody,
  ShareContextBody,
} from "../../../schema/http.ts"
import type { StoredActor } from "../../../store/actor-row.ts"
import { actorHistory } from "../../../store/history.ts"
import { requireOperator } from "../../auth.ts"
import type { EdgeContext } from "../../context.ts"
import { Accepted, ActorHistory, contextOf, ContextView, historyView } from "../views.ts"
import { sendCommand, type Sent } from "../command.ts"
import { currentIfAny, currentOr404, QUARANTINED } from "../current.ts"
import { existsOr404, IdParams } from "../params.ts"
import { API, json, route, type Answer, type Route } from "../route.ts"
import { contextView as viewOf } from "../../../../actors/views.ts"

const ContextValue = Schema.Struct({ id: Uuid, key: Schema.String, value: Schema.Unknown, version: Schema.Number }).annotate({
  identifier: "ContextValue",
})

const ContextDiff = Schema.Struct({
  id: Uuid,
  from: Schema.Number,
  to: Schema.Number,
  changes: Schema.Array(
    Schema.Struct({
      path: Schema.String,
      op: Schema.Literals(["added", "removed", "changed"]),
      from: Schema.optionalKey(Schema.Unknown),
      to: Schema.optionalKey(Schema.Unknown),
    }),
  ),
}).annotate({ identifier: "ContextDiff" })

const contextRead = (actor: StoredActor) => ({
  ...viewOf(actor.id, contextOf<ContextContext>(actor), actor.state),
  version: actor.version,
  updated_at: new Date(actor.updatedAt).toISOString(),
})

/** The context's view once the command was applied (200, or 201 for a creation), else 202 while pending. */
const answerAfter = async (ctx: EdgeContext, sent: Sent, applied: number): Promise<Answer> => {
  const actor = sent.applied ? await currentIfAny(ctx, "context", sent.id) : undefined
  return actor ? json(applied, contextRead(actor)) : json(202, { id: sent.id, stream_id: sent.streamId })
}

/** The context's data at `version`: its creation's view plus the patches up to that version. */
const dataAt = async (ctx: EdgeContext, id: string, version: number): Promise<JsonObject> => {
  const steps = await actorHistory(ctx.sql, "context", id, { afterVersion: 0, limit: version })
  if (steps.length < version) throw new ApiError({ code: "not_found", message: `context ${id} has no version ${version}` })
  const view = steps.reduce<Json | undefined>((current, step) => applyPatch(current, step.patch as Json), undefined)
  return ((view as { data?: JsonObject } | undefined)?.data ?? {}) as JsonObject
}

/** A new context's data within the size limit (a PATCH is held to it by the machine). */
const withinLimit = (data: JsonObject): void => {
  const bytes = dataBytes(data)
  if (bytes > MAX_CONTEXT_BYTES) {
    throw new ApiError({
      code: "payload_too_large",
      message: `data: ${bytes} bytes, more than the ${MAX_CONTEXT_BYTES} a context may hold`,
    })
  }
}

const CHANGED = {
  200: { description: "applied: the context", schema: ContextView },
  202: { description: "accepted, still pending", schema: Accepted },
}

export const contextRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/contexts`,
    name: "createContext",
    summary: "Create a context: scope session or agent (owner_id names it), global, or temporary (ttl_s)",
    access: "token",
    body: CreateContextBody,
    command: true,
    responses: { 201: { description: "created", schema: ContextView }, 202: CHANGED[202] },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      withinLimit(body.data as JsonObject)
      if (body.ownerId !== undefined) await existsOr404(ctx.sql, body.scope === "agent" ? "agent" : "session", body.ownerId)
      const id = randomUUID()
      return answerAfter(ctx, await sendCommand(ctx, { kind: "context", id, type: "CREATE", payload: { id, ...body } }), 201)
    },
  }),
  route({
    method: "GET",
    path: `${API}/contexts/{id}`,
    name: "getContext",
    summary: "A context, or with ?key=a.b the value at that dot path",
    access: "read",
    params: IdParams,
    query: ContextKeyQuery,
    responses: {
      200: { description: "the context, or `{id, key, value, version}`", schema: Schema.Union([ContextView, ContextValue]) },
      409: QUARANTINED,
    },
    async handle({ ctx, params, query }) {
      const actor = await currentOr404(ctx, "context", params.id)
      if (query.key === undefined) return json(200, contextRead(actor))
      const value = getPath(contextOf<ContextContext>(actor).data, query.key)
      if (value === undefined) throw new ApiError({ code: "not_found", message: `context ${params.id} has no key ${query.key}` })
      return json(200, { id: params.id, key: query.key, value, version: actor.version })
    },
  }),
  route({
    method: "PATCH",
    path: `${API}/contexts/{id}`,
    name: "patchContext",
    summary: "Set and unset dot paths; 409 when expected_version is not the context's version, 413 past the size limit",
    access: "token",
    params: IdParams,
    body: PatchContextBody,
    command: true,
    responses: CHANGED,
    async handle({ ctx, principal, params, body }) {
      requireOperator(principal)
      const payload = {
        set: body.set,
        unset: body.unset,
        ...(body.expectedVersion === undefined ? {} : { expectedVersion: body.expectedVersion }),
      }
      return answerAfter(ctx, await sendCommand(ctx, { kind: "context", id: params.id, type: "PATCH", payload }), 200)
    },
  }),
  route({
    method: "POST",
    path: `${API}/contexts/{id}/share`,
    name: "shareContext",
    summary: "Share the context with a session",
    extension:
      "PROTOCOL's context bodies have no field for sharing ({scope, owner_id?, ttl_s?, data}; {set, unset?, expected_version?}), so it is a route of its own; shared_with is a record that grants or refuses nothing",
    access: "token",
    params: IdParams,
    body: ShareContextBody,
    command: true,
    responses: CHANGED,
    async handle({ ctx, principal, params, body }) {
      requireOperator(principal)
      await existsOr404(ctx.sql, "session", body.sessionId)
      return answerAfter(
        ctx,
        await sendCommand(ctx, { kind: "context", id: params.id, type: "SHARE", payload: { sessionId: body.sessionId } }),
        200,
      )
    },
  }),
  route({
    method: "GET",
    path: `${API}/contexts/{id}/history`,
    name: "contextHistory",
    summary: "The context's changes in version order, each a merge patch of its view (its audit trail)",
    access: "read",
    params: IdParams,
    query: HistoryQuery,
    responses: { 200: { description: "the changes after `after_version`", schema: ActorHistory } },
    async handle({ ctx, params, query }) {
      await existsOr404(ctx.sql, "context", params.id)
      return json(200, historyView("context", params.id, await actorHistory(ctx.sql, "context", params.id, query)))
    },
  }),
  route({
    method: "GET",
    path: `${API}/contexts/{id}/diff`,
    name: "contextDiff",
    summary: "What changed in the data between two versions, leaf path by leaf path",
    access: "read",
    params: IdParams,
    query: ContextDiffQuery,
    responses: { 200: { description: "the changes from `from` to `to`", schema: ContextDiff } },
    async handle({ ctx, params, query }) {
      await existsOr404(ctx.sql, "context", params.id)
      const [before, after] = [await dataAt(ctx, params.id, query.from), await dataAt(ctx, params.id, query.to)]
      return json(200, { id: params.id, from: query.from, to: query.to, changes: diffData(before, after) })
    },
  }),
  route({
    method: "POST",
    path: `${API}/contexts/merge`,
    name: "mergeContexts",
    summary: "A new global context of the data of several, in order; fail_on_conflict answers 409 naming the conflicting paths",
    access: "token",
    body: MergeContextsBody,
    command: true,
    responses: { 201: { description: "the merged context", schema: ContextView }, 202: CHANGED[202] },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      const sources = await Promise.all(body.ids.map((id) => currentOr404(ctx, "context", id)))
      const merged = mergeData(
        sources.map((actor) => contextOf<ContextContext>(actor).data),
        body.strategy,
      )
      if (!merged.ok) {
        throw new ApiError({ code: "conflict", message: `the contexts disagree at ${merged.conflicts.join(", ")}` })
      }
      withinLimit(merged.data)
      const id = randomUUID()
      const payload = {
        id,
        scope: "global",
        data: merged.data,
        mergedFrom: sources.map((actor) => ({ id: actor.id, version: actor.version })),
      }
      return answerAfter(ctx, await sendCommand(ctx, { kind: "context", id, type: "CREATE", payload }), 201)
    },
  }),
]
