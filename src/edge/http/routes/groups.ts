// `/api/v1/groups`: a group (a tenant, a repository, an API key: any task's `group`) and its cap on
// assigned + in-progress tasks (`max_in_flight`), stored in Postgres and in force in the router's Redis
// at once; reads add how many of its tasks are in flight now. Within one priority, ready tasks are
// handed out round-robin across groups whatever their settings (docs/coordination.md).
import { Schema } from "effect"
import { GroupKey } from "../../../schema/common.ts"
import { wire } from "../../../schema/wire.ts"
import { groupInFlight, setGroupCap } from "../../../redis/ready-queue.ts"
import { getGroup, listGroups, saveGroup, type StoredGroup } from "../../../store/groups.ts"
import { requireOperator } from "../../auth.ts"
import type { EdgeContext } from "../../context.ts"
import { API, json, route, type Route } from "../route.ts"

const GroupParams = Schema.Struct({ key: GroupKey })

/** `PUT /groups/{key}`: `max_in_flight` null or left out: no cap. */
const PutGroupBody = wire(
  "PutGroupBody",
  Schema.Struct({ maxInFlight: Schema.optionalKey(Schema.NullOr(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000_000 })))) }),
)

const GroupView = Schema.Struct({
  key: Schema.String,
  max_in_flight: Schema.NullOr(Schema.Number),
  /** Its tasks assigned or in progress now (as the router counts them). */
  in_flight: Schema.Number,
  updated_at: Schema.NullOr(Schema.String),
}).annotate({ identifier: "Group" })
const GroupList = Schema.Struct({ items: Schema.Array(GroupView) }).annotate({ identifier: "GroupList" })

const groupView = async (ctx: EdgeContext, key: string, stored: StoredGroup | undefined) => ({
  key,
  max_in_flight: stored?.maxInFlight ?? null,
  in_flight: await groupInFlight(ctx.redis, ctx.keys, key),
  updated_at: stored?.updatedAt.toISOString() ?? null,
})

export const groupRoutes: Route[] = [
  route({
    method: "PUT",
    path: `${API}/groups/{key}`,
    name: "putGroup",
    summary: "Set a group's cap on its assigned and in-progress tasks (operator); null or absent: no cap",
    access: "token",
    params: GroupParams,
    body: PutGroupBody,
    responses: { 200: { description: "the group as now in force", schema: GroupView } },
    async handle({ ctx, principal, params, body }) {
      requireOperator(principal)
      const stored = await saveGroup(ctx.sql, params.key, body.maxInFlight ?? null)
      // In force at once; the routing sweep copies the stored caps again should Redis lose them.
      await setGroupCap(ctx.redis, ctx.keys, params.key, stored.maxInFlight)
      return json(200, await groupView(ctx, params.key, stored))
    },
  }),
  route({
    method: "GET",
    path: `${API}/groups`,
    name: "listGroups",
    summary: "The groups with a stored setting",
    access: "read",
    responses: { 200: { description: "every group set with PUT", schema: GroupList } },
    async handle({ ctx }) {
      const groups = await listGroups(ctx.sql)
      return json(200, { items: await Promise.all(groups.map((group) => groupView(ctx, group.key, group))) })
    },
  }),
  route({
    method: "GET",
    path: `${API}/groups/{key}`,
    name: "getGroup",
    summary: "One group: its cap (null when none was set) and its tasks in flight",
    access: "read",
    params: GroupParams,
    responses: { 200: { description: "the group", schema: GroupView } },
    async handle({ ctx, params }) {
      return json(200, await groupView(ctx, params.key, await getGroup(ctx.sql, params.key)))
    },
  }),
]
