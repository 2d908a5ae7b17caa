// Sending on a uWS socket with its result checked (1 sent, 0 sent but buffered, 2 dropped at the
// backpressure limit, after which uWS closes the socket) and counted in the socket metrics.
import type { WebSocket } from "uWebSockets.js"
import type { Metrics } from "../context.ts"

export type SocketKind = "control" | "events"

export const SENT_METRIC = "clawbot_ws_messages_sent_total"
export const DROPPED_METRIC = "clawbot_ws_messages_dropped_total"
export const REJECTED_METRIC = "clawbot_ws_frames_rejected_total"

const DROPPED = 2

/** Sends one text frame; false when uWS dropped it (the socket is over its backpressure limit and closing). */
export const sendText = <T>(ws: WebSocket<T>, text: string, socket: SocketKind, metrics: Metrics): boolean => {
  if (ws.send(text) === DROPPED) {
    metrics.inc(DROPPED_METRIC, { socket, reason: "backpressure" })
    return false
  }
  metrics.inc(SENT_METRIC, { socket })
  return true
}
