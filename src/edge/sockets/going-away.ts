// An edge that shuts down closes every socket it holds with 1001 (going away), so bots and
// subscribers reconnect to another edge at once. Such a close appends no DISCONNECT: the bot is
// about to CONNECT through another edge, which that late DISCONNECT could otherwise overtake; a
// bot that never comes back goes offline when its heartbeat expires.
import type uWS from "uWebSockets.js"

/** Close code of a socket whose edge is shutting down (RFC 6455 "going away"). */
export const GOING_AWAY_CLOSE = 1001

/** Set on a socket's data before its edge ends it for shutting down. */
export interface Departing {
  goingAway?: boolean
}

export interface OpenSockets {
  /** `behavior` with its open sockets tracked. */
  track<T extends Departing>(behavior: uWS.WebSocketBehavior<T>): uWS.WebSocketBehavior<T>
  /** Ends every open socket with 1001. */
  goAway(): void
}

export const openSockets = (): OpenSockets => {
  const open = new Set<uWS.WebSocket<Departing>>()
  return {
    track: <T extends Departing>(behavior: uWS.WebSocketBehavior<T>): uWS.WebSocketBehavior<T> => ({
      ...behavior,
      open: (ws) => {
        open.add(ws as uWS.WebSocket<Departing>)
        return behavior.open?.(ws)
      },
      close: (ws, code, message) => {
        open.delete(ws as uWS.WebSocket<Departing>)
        return behavior.close?.(ws, code, message)
      },
    }),
    goAway: () => {
      for (const ws of [...open]) {
        ws.getUserData().goingAway = true
        ws.end(GOING_AWAY_CLOSE, "going away: this edge is shutting down; reconnect")
      }
    },
  }
}
