// `POST /api/v1/actors/{kind}/{id}/events` (PROTOCOL v1.1): the operator sends one event of that kind's
// command set to a live actor. The body's payload is snake_case as on every wire and is validated like a
// raw inbox entry (unknown type or field: 400, nothing appended); the command then goes through the
// inbox like every command, recorded with `by: "operator"`, and the machine's refusal is the answer.
import { Effect, Schema } from "effect"
import { NonEmptyString, JsonObject } from "../../../schema/common.ts"
import { decodeStreamEntry } from "../../../schema/commands.ts"
import { WaitQuery } from "../../../schema/http.ts"
import { requireOperator } from "../../auth.ts"
import { COMMAND_RESPONSES, commandAnswer, sendCommand } from "../command.ts"
import { ActorParams, existsOr404 } from "../params.ts"
import { API, route, type Route } from "../route.ts"

/** `{type, payload?}`: one command of the actor kind's command set, payload in its wire (snake_case) form. */
export const ActorEventBody = Schema.Struct({
  type: NonEmptyString,
  payload: JsonObject.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
}).annotate({ identifier: "ActorEventBody" })

export const actorEventRoutes: Route[] = [
  route({
    method: "POST",
    path: `${API}/actors/{kind}/{id}/events`,
    name: "sendActorEvent",
    summary:
      "Operator: send one event of the kind's command set to a live actor (recorded with by: operator); 409 when its machine refuses",
    access: "token",
    params: ActorParams,
    query: WaitQuery,
    body: ActorEventBody,
    command: true,
    responses: COMMAND_RESPONSES,
    async handle({ ctx, principal, params, query, body }) {
      requireOperator(principal)
      await existsOr404(ctx.sql, params.kind, params.id)
      // The raw entry's decoder: the same checks a producer's XADD gets, snake_case payload to camelCase.
      const decoded = decodeStreamEntry({ type: body.type, actor: `${params.kind}:${params.id}`, payload: JSON.stringify(body.payload) })
      if (!decoded.ok) throw decoded.error
      const { kind, id, type, payload } = decoded.value
      return commandAnswer(await sendCommand(ctx, { kind, id, type, payload, by: "operator" }), query.wait)
    },
  }),
]
