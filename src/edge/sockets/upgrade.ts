// The HTTP side of a WebSocket upgrade under uWS rules: everything needed is copied from the
// request before any await, an abort is watched from the start, and the answer (a refusal with
// PROTOCOL's error body, or the upgrade) is written corked and only while the request lives; and an
// upgrade gated on its bearer token (`?token=` or `Authorization`), run once the token was checked.
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

/** Answers an upgrade with the error's status and body (no socket opens). */
const writeRefusal = (res: HttpResponse, error: ApiError): void => {
  const status = httpStatus[error.code]
  res.cork(() => {
    res
      .writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`)
      .writeHeader("content-type", "application/json")
      .end(JSON.stringify(error.toBody()))
  })
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
      if (!aborted) writeRefusal(res, error)
    },
    accept: (userData) => {
      if (aborted) return
      res.cork(() => res.upgrade(userData, key, protocol, extensions, context))
    },
  }
}

/** The request of an upgrade copied, so the upgrade can run after an await (uWS's request lives only until the handler returns). */
const copyOf = (req: HttpRequest): HttpRequest => {
  const headers = new Map<string, string>()
  req.forEach((name, value) => headers.set(name, value))
  const url = req.getUrl()
  const method = req.getMethod()
  const caseSensitiveMethod = req.getCaseSensitiveMethod()
  const query = req.getQuery() ?? ""
  const params = new URLSearchParams(query)
  const copy: HttpRequest = {
    getHeader: (name) => headers.get(String(name)) ?? "",
    getParameter: () => "",
    getUrl: () => url,
    getMethod: () => method,
    getCaseSensitiveMethod: () => caseSensitiveMethod,
    getQuery: ((key?: string) => (key === undefined ? query : (params.get(key) ?? ""))) as HttpRequest["getQuery"],
    forEach: (visit) => headers.forEach((value, name) => visit(name, value)),
    setYield: () => copy,
  }
  return copy
}

/** The bearer token of an upgrade: `?token=` (browsers) or an `Authorization: Bearer` header. */
const upgradeToken = (req: HttpRequest): string => {
  const query = new URLSearchParams(req.getQuery() ?? "").get("token")
  if (query !== null && query !== "") return query
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.getHeader("authorization"))?.[1] ?? ""
}

type UpgradeHandler = (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => void

/**
 * Runs `upgrade` only once `gate` (given the upgrade's token) let it through; a refusal is answered
 * with its status and error body, and no socket opens.
 */
export function gatedUpgrade(upgrade: UpgradeHandler, gate: (token: string) => Promise<ApiError | undefined>): UpgradeHandler {
  return (res, req, context) => {
    const copy = copyOf(req)
    let aborted = false
    res.onAborted(() => {
      aborted = true
    })
    gate(upgradeToken(req)).then(
      (refusal) => {
        if (aborted) return
        if (refusal === undefined) upgrade(res, copy, context)
        else writeRefusal(res, refusal)
      },
      () => {
        if (!aborted) writeRefusal(res, new ApiError({ code: "unavailable", message: "the token store is unreachable; try again" }))
      },
    )
  }
}
