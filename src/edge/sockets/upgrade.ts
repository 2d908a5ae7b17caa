// The HTTP side of a WebSocket upgrade under uWS rules: everything needed is copied from the
// request before any await, an abort is watched from the start, and the answer (a refusal with
// PROTOCOL's error body, or the upgrade) is written corked and only while the request lives.
import { STATUS_CODES } from "node:http"
import type { HttpRequest, HttpResponse, us_socket_context_t } from "uWebSockets.js"
import { ApiError, httpStatus } from "../../schema/errors.ts"

export interface UpgradeRequest {
  readonly url: string
  /** The decoded query parameter `name`, or "" when absent. */
  query(name: string): string
  readonly origin: string
  readonly host: string
}

export interface PendingUpgrade {
  readonly request: UpgradeRequest
  /** True once the client went away: the response must not be touched. */
  aborted(): boolean
  /** Answers with the error's status and body; no socket opens. */
  refuse(error: ApiError): void
  /** Opens the socket with `userData`. */
  accept<T>(userData: T): void
}

/** Copies the request (synchronously, as uWS requires) and watches for an abort. */
export function pendingUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): PendingUpgrade {
  const params = new URLSearchParams(req.getQuery() ?? "")
  const request: UpgradeRequest = {
    url: req.getUrl(),
    query: (name) => params.get(name) ?? "",
    origin: req.getHeader("origin"),
    host: req.getHeader("host"),
  }
  const key = req.getHeader("sec-websocket-key")
  const protocol = req.getHeader("sec-websocket-protocol")
  const extensions = req.getHeader("sec-websocket-extensions")
  let aborted = false
  res.onAborted(() => {
    aborted = true
  })
  return {
    request,
    aborted: () => aborted,
    refuse: (error) => {
      if (aborted) return
      const status = httpStatus[error.code]
      res.cork(() => {
        res
          .writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`)
          .writeHeader("content-type", "application/json")
          .end(JSON.stringify(error.toBody()))
      })
    },
    accept: (userData) => {
      if (aborted) return
      res.cork(() => res.upgrade(userData, key, protocol, extensions, context))
    },
  }
}
