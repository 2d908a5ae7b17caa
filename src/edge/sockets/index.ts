// The edge's two WebSocket endpoints: `/ws/control` (bots) and `/ws/events` (dashboards and subscribers),
// under the socket quotas of the environment (./quotas.ts) unless given.
import type uWS from "uWebSockets.js"
import type { EdgeContext } from "../context.ts"
import type { Fanout } from "../fanout.ts"
import { controlSocket } from "./control.ts"
import { eventsSocket } from "./events.ts"
import { readersOnly, revocable } from "./revoked.ts"
import { socketQuotas, type SocketQuotas } from "./quotas.ts"

export const registerSockets = (
  app: uWS.TemplatedApp,
  ctx: EdgeContext,
  fanout: Fanout,
  quotas: SocketQuotas = socketQuotas(ctx.limits),
): void => {
  app.ws("/ws/control", revocable(ctx, controlSocket(ctx, quotas)))
  app.ws("/ws/events", readersOnly(ctx, eventsSocket(ctx, fanout, quotas)))
}
