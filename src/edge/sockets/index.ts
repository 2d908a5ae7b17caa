// The edge's two WebSocket endpoints: `/ws/control` (bots) and `/ws/events` (dashboards and subscribers).
import type uWS from "uWebSockets.js"
import type { EdgeContext } from "../context.ts"
import type { Fanout } from "../fanout.ts"
import { controlSocket } from "./control.ts"
import { eventsSocket } from "./events.ts"
import { readersOnly, revocable } from "./revoked.ts"

export const registerSockets = (app: uWS.TemplatedApp, ctx: EdgeContext, fanout: Fanout): void => {
  app.ws("/ws/control", revocable(ctx, controlSocket(ctx)))
  app.ws("/ws/events", readersOnly(ctx, eventsSocket(ctx, fanout)))
}
