// The edge's two WebSocket endpoints: `/ws/control` (bots) and `/ws/events` (dashboards and subscribers),
// under the socket quotas of the environment (./quotas.ts) unless given; `goAway` closes them all (1001).
import type uWS from "uWebSockets.js"
import type { EdgeContext } from "../context.ts"
import type { Fanout } from "../fanout.ts"
import { controlSocket } from "./control.ts"
import { eventsSocket } from "./events.ts"
import { openSockets, type OpenSockets } from "./going-away.ts"
import { readersOnly, revocable } from "./revoked.ts"
import { socketQuotas, type SocketQuotas } from "./quotas.ts"

export const registerSockets = (
  app: uWS.TemplatedApp,
  ctx: EdgeContext,
  fanout: Fanout,
  quotas: SocketQuotas = socketQuotas(ctx.limits),
): Pick<OpenSockets, "goAway"> => {
  const sockets = openSockets()
  app.ws("/ws/control", sockets.track(revocable(ctx, controlSocket(ctx, quotas, fanout))))
  app.ws("/ws/events", sockets.track(readersOnly(ctx, eventsSocket(ctx, fanout, quotas))))
  return sockets
}
