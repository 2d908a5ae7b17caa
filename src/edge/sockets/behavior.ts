// What the control and event sockets share in uWS: their limits (frame size, backpressure, idle
// time with automatic pings), the `drain` that paces a long run of sends, and an upgrade that
// refuses a browser origin that is not allowed (403, no socket) before the socket's own checks run.
import type uWS from "uWebSockets.js"
import { ApiError } from "../../schema/errors.ts"
import type { EdgeLimits } from "../context.ts"
import { originAllowed } from "../http/cors.ts"
import { type SocketQuotas, uwsFrameLimit } from "./quotas.ts"
import { drainHandler, type Paced } from "./send.ts"
import { type PendingUpgrade, pendingUpgrade } from "./upgrade.ts"

/** Seconds without any frame (pings included: uWS sends them) before uWS closes the socket. */
const IDLE_TIMEOUT_S = 60

type SharedOptions =
  | "maxPayloadLength"
  | "maxBackpressure"
  | "closeOnBackpressureLimit"
  | "idleTimeout"
  | "sendPingsAutomatically"
  | "drain"
  | "upgrade"

/** A long run of sends (a replay, the tasks resent to a resumed bot) waits for the buffer to drain below this. */
export const lowWaterMark = (limits: EdgeLimits): number => Math.floor(limits.maxBackpressureBytes / 4)

const forbiddenOrigin = (origin: string): ApiError =>
  new ApiError({ code: "forbidden", message: `origin: ${JSON.stringify(origin)} is not an allowed origin` })

/** The shared options; `upgrade` is handed each upgrade whose origin is allowed, to accept or refuse. */
export function socketBehavior<T extends Paced>(
  limits: EdgeLimits,
  quotas: SocketQuotas,
  upgrade: (pending: PendingUpgrade) => void,
): Pick<uWS.WebSocketBehavior<T>, SharedOptions> {
  return {
    // Well above quotas.maxFrameBytes, so a frame over it is still read and answered (1009) rather than cut off by uWS.
    maxPayloadLength: uwsFrameLimit(quotas),
    maxBackpressure: limits.maxBackpressureBytes,
    // A client that does not read its frames would otherwise miss some silently; closed, it
    // reconnects (a bot is sent every task it still holds, a subscriber replays with `since`).
    closeOnBackpressureLimit: 1,
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    drain: drainHandler(lowWaterMark(limits)),

    upgrade: (res, req, context) => {
      const pending = pendingUpgrade(res, req, context)
      const { origin, host } = pending.request
      if (!originAllowed(origin, host, limits.allowedOrigins)) return pending.refuse(forbiddenOrigin(origin))
      upgrade(pending)
    },
  }
}
