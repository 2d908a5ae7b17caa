// `/api/v1/viewer-tokens`: the operator creates read-only tokens (shown once; only the hash is stored)
// and revokes them (at once on every edge, through ctx.revocations).
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import { Uuid } from "../../../schema/common.ts"
import { ApiError } from "../../../schema/errors.ts"
import { wire } from "../../../schema/wire.ts"
import { revokeViewerToken, saveViewerToken } from "../../../store/tokens.ts"
import { newToken, requireOperator } from "../../auth.ts"
import { IdParams } from "../params.ts"
import { API, json, route, type Route } from "../route.ts"

const CreateViewerTokenBody = wire(
  "CreateViewerTokenBody",
  Schema.Struct({ name: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))) }),
)

const ViewerTokenCreated = wire(
  "ViewerTokenCreated",
  Schema.Struct({ id: Uuid, token: Schema.String, name: Schema.NullOr(Schema.String), createdAt: Schema.String }),
)

const ViewerTokenRevoked = Schema.Struct({ id: Uuid, revoked: Schema.Literal(true) }).annotate({ identifier: "ViewerTokenRevoked" })

export const viewerTokenRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/viewer-tokens`,
    name: "createViewerToken",
    summary: "Create a read-only token (operator); the token is in this answer only",
    access: "token",
    body: CreateViewerTokenBody,
    responses: { 201: { description: "created", schema: ViewerTokenCreated } },
    async handle({ ctx, principal, body }) {
      requireOperator(principal)
      const id = randomUUID()
      const token = newToken()
      const name = body.name ?? null
      const createdAt = await saveViewerToken(ctx.sql, id, token, name)
      return json(201, { id, token, name, created_at: createdAt.toISOString() })
    },
  }),
  route({
    method: "DELETE",
    path: `${API}/viewer-tokens/{id}`,
    name: "revokeViewerToken",
    summary: "Revoke a viewer token (operator), at once on every edge",
    access: "token",
    params: IdParams,
    responses: { 200: { description: "revoked", schema: ViewerTokenRevoked } },
    async handle({ ctx, principal, params }) {
      requireOperator(principal)
      if (!(await revokeViewerToken(ctx.sql, params.id))) {
        throw new ApiError({ code: "not_found", message: `viewer token ${params.id} does not exist` })
      }
      await ctx.revocations.revoke({ kind: "viewer", id: params.id })
      return json(200, { id: params.id, revoked: true })
    },
  }),
]
