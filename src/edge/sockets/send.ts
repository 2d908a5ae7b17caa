// Sending on a uWS socket while it is open, with the result checked (1 sent, 0 sent but buffered, 2
// dropped at the backpressure limit, after which uWS closes the socket) and counted in the socket
// metrics; and pacing a long run of sends (a replay, a resumed session) on the socket's `drain`.
import type { WebSocket } from "uWebSockets.js"
import type { Metrics } from "../context.ts"

export type SocketKind = "control" | "events"

export const SENT_METRIC = "clawbot_ws_messages_sent_total"
export const DROPPED_METRIC = "clawbot_ws_messages_dropped_total"
export const REJECTED_METRIC = "clawbot_ws_frames_rejected_total"

const DROPPED = 2

/** Per-socket state of a sender that paces itself on the socket's buffer. */
export interface Paced {
  closed: boolean
  /** Resolves the pending `drained` wait. */
  onDrained?: () => void
}

/** Sends one text frame; false when it was not sent: the socket closed, or uWS dropped it (over its backpressure limit and closing). */
export const sendText = <T extends Paced>(ws: WebSocket<T>, text: string, socket: SocketKind, metrics: Metrics): boolean => {
  if (ws.getUserData().closed) return false
  if (ws.send(text) === DROPPED) {
    metrics.inc(DROPPED_METRIC, { socket, reason: "backpressure" })
    return false
  }
  metrics.inc(SENT_METRIC, { socket })
  return true
}

/** Runs `write` corked, unless the socket closed meanwhile (for writes after an await). */
export function corkIfOpen<T extends Paced>(ws: WebSocket<T>, write: () => void): void {
  if (!ws.getUserData().closed) ws.cork(write)
}

/** Per-socket state of a sender whose writes after an await go out together (`corkTogether`). */
export interface Gathered {
  /** Writes waiting for the end of the current microtask checkpoint, in order, each with what answers its fault. */
  gathered?: Array<{ readonly write: () => void; readonly onFault: (error: unknown) => void }>
}

/**
 * Runs `write` corked, unless the socket closed meanwhile, together with the socket's other writes queued so in the
 * same microtask checkpoint, in the order queued: the answers to a socket's frames that Redis confirmed in one reply
 * (a bot's `task_started` and `task_complete` read together) go out in one send, at the end of the checkpoint they
 * were confirmed in (no other I/O callback runs before it). What `write` throws goes to `onFault`.
 */
export function corkTogether<T extends Paced & Gathered>(ws: WebSocket<T>, write: () => void, onFault: (error: unknown) => void): void {
  const data = ws.getUserData()
  if (data.gathered !== undefined) return void data.gathered.push({ write, onFault })
  const gathered = [{ write, onFault }]
  data.gathered = gathered
  queueMicrotask(() => {
    data.gathered = undefined
    if (data.closed) return
    try {
      ws.cork(() => {
        for (const item of gathered) {
          try {
            item.write()
          } catch (error) {
            item.onFault(error)
          }
        }
      })
    } catch (error) {
      // The socket itself failed (each write's own fault was answered above): told once.
      gathered[0]?.onFault(error)
    }
  })
}

/** Resolves once the socket's buffer is at most `lowWater` bytes again (at once when it is), or the socket closed. */
export function drained<T extends Paced>(ws: WebSocket<T>, lowWater: number): Promise<void> {
  const data = ws.getUserData()
  if (data.closed || ws.getBufferedAmount() <= lowWater) return Promise.resolve()
  return new Promise((resolve) => (data.onDrained = resolve))
}

/** The `drain` handler of a paced socket. */
export function drainHandler<T extends Paced>(lowWater: number): (ws: WebSocket<T>) => void {
  return (ws) => {
    const data = ws.getUserData()
    if (data.onDrained && ws.getBufferedAmount() <= lowWater) {
      data.onDrained()
      data.onDrained = undefined
    }
  }
}

/** Releases a pending `drained` wait when the socket closes. */
export function releasePaced(data: Paced): void {
  data.closed = true
  data.onDrained?.()
  data.onDrained = undefined
}
