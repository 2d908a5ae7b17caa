// Fault isolation for the socket handlers: a bug (a throw in a uWS handler, or in a continuation a
// handler started) is logged with its stack, answered with an `internal` error frame while the
// socket is open (an upgrade with a 500), and never reaches the process or the other sockets.
import { STATUS_CODES } from "node:http"
import type uWS from "uWebSockets.js"
import type { Logger } from "../../log.ts"
import { errorFields } from "../../log.ts"
import { ApiError, httpStatus, type ErrorDetail } from "../../schema/errors.ts"
import type { Paced, SocketKind } from "./send.ts"

const INTERNAL: ErrorDetail = {
  code: "internal",
  message: "the server failed on this frame (logged); it may not have been accepted: send it again with the same id",
}

export interface FaultGuard<T extends Paced> {
  /** The behavior with every handler isolated. */
  wrap(behavior: uWS.WebSocketBehavior<T>): uWS.WebSocketBehavior<T>
  /** For a continuation's `.catch`: logs the fault and answers `internal` (with the frame's `ref`) on `ws` if it is still open. Never throws. */
  onSocket(ws: uWS.WebSocket<T>, where: string, ref?: string): (error: unknown) => void
  /** For a continuation of an upgrade: logs the fault and answers 500 with `refuse` if the request still waits. Never throws. */
  onUpgrade(refuse: (error: ApiError) => void, where: string): (error: unknown) => void
}

export interface FaultOptions {
  readonly socket: SocketKind
  readonly log: Logger
  /** Sends an `error` frame on an open socket. */
  readonly sendError: (ws: uWS.WebSocket<never>, detail: ErrorDetail) => void
}

/** Runs `action`, swallowing what it throws: a fault handler must not fault in turn. */
const quietly = (action: () => void): void => {
  try {
    action()
  } catch {
    // The socket or request went away meanwhile: there is nobody left to answer.
  }
}

export function faultGuard<T extends Paced>(options: FaultOptions): FaultGuard<T> {
  const { socket, log } = options
  const logFault = (where: string, error: unknown) =>
    quietly(() =>
      log.error("socket handler failed", { socket, where, ...errorFields(error), stack: error instanceof Error ? error.stack : undefined }),
    )

  const onSocket = (ws: uWS.WebSocket<T>, where: string, ref?: string) => (error: unknown) => {
    logFault(where, error)
    const detail = ref === undefined ? INTERNAL : { ...INTERNAL, ref }
    quietly(() => {
      if (!ws.getUserData().closed) ws.cork(() => options.sendError(ws as unknown as uWS.WebSocket<never>, detail))
    })
  }

  const onUpgrade = (refuse: (error: ApiError) => void, where: string) => (error: unknown) => {
    logFault(where, error)
    quietly(() => refuse(new ApiError({ code: "internal", message: "the server failed on this upgrade (logged); try again" })))
  }

  /** Answers an upgrade whose handler threw before it answered (if it did answer, uWS refuses a second answer: ignored). */
  const refuseWith = (res: uWS.HttpResponse) => (error: ApiError) => {
    const status = httpStatus[error.code]
    res.cork(() =>
      res
        .writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`)
        .writeHeader("content-type", "application/json")
        .end(JSON.stringify(error.toBody())),
    )
  }

  const wrap = (behavior: uWS.WebSocketBehavior<T>): uWS.WebSocketBehavior<T> => {
    const { upgrade, open, message, drain, close } = behavior
    return {
      ...behavior,
      ...(upgrade && {
        upgrade: (res, req, context) => {
          try {
            upgrade(res, req, context)
          } catch (error) {
            onUpgrade(refuseWith(res), "upgrade")(error)
          }
        },
      }),
      ...(open && { open: (ws) => guarded(() => open(ws), onSocket(ws, "open")) }),
      ...(message && { message: (ws, data, isBinary) => guarded(() => message(ws, data, isBinary), onSocket(ws, "message")) }),
      ...(drain && { drain: (ws) => guarded(() => drain(ws), onSocket(ws, "drain")) }),
      ...(close && {
        close: (ws, code, reason) =>
          guarded(
            () => close(ws, code, reason),
            (error) => logFault("close", error),
          ),
      }),
    }
  }
  return { wrap, onSocket, onUpgrade }
}

/** Runs a handler; what it throws, or the promise it returns rejects with, goes to `onFault`. */
function guarded(handler: () => unknown, onFault: (error: unknown) => void): void {
  try {
    const result = handler()
    if (result instanceof Promise) result.catch(onFault)
  } catch (error) {
    onFault(error)
  }
}
