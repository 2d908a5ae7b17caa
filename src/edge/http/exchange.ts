// One HTTP exchange on uWebSockets.js, following its rules: everything needed from the request is
// copied before any await, `onAborted` is set at once and the response is never touched after it
// fired, the body is read (capped) from the synchronous handler, and late writes are corked.
import { STATUS_CODES } from "node:http"
import type { HttpRequest, HttpResponse } from "uWebSockets.js"
import { REFUSAL_HEADER, REFUSAL_PATH } from "./request-stream.ts"
import type { Answer } from "./route.ts"

export interface RequestInfo {
  /** Upper case. */
  readonly method: string
  /** The raw (percent-encoded) path, without the query. */
  readonly path: string
  readonly query: string
  readonly authorization: string
  readonly origin: string
  readonly host: string
  readonly remoteAddress: string
  readonly contentLength: number | undefined
  /** The front door's refusal of a later request, carried to uWS (./request-stream.ts); empty on any other path. */
  readonly refusal: string
}

/** `too_large`: over the cap; `declared` when its Content-Length said so (then the rest is read and dropped, so the
 * connection can stay open: closing it with the body unread makes the kernel reset it, and the client loses the
 * answer), else found while streaming (the connection is closed after the answer: no end to wait for). */
export type Body =
  | { readonly _tag: "bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "too_large"; readonly declared: boolean }
  | { readonly _tag: "aborted" }

const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"])

export interface Exchange {
  readonly request: RequestInfo
  /** The body (for methods that carry one), at most `maxBytes`. */
  readonly body: Promise<Body>
  /** Writes the answer unless the client has gone; `headers` are added to it. */
  send(answer: Answer, headers: Readonly<Record<string, string>>): void
}

/**
 * How the client's address is read: `direct` is the TCP peer; `proxied` the address a PROXY protocol
 * header named (only behind the edge's own front door, where uWS listens on loopback: a client
 * reaching uWS directly could otherwise name any address).
 */
export type RemoteAddress = "direct" | "proxied"

const addressOf = (res: HttpResponse, from: RemoteAddress): string => {
  const proxied = from === "proxied" ? Buffer.from(res.getProxiedRemoteAddressAsText()).toString() : ""
  return proxied === "" ? Buffer.from(res.getRemoteAddressAsText()).toString() : proxied
}

const copyRequest = (req: HttpRequest, res: HttpResponse, from: RemoteAddress): RequestInfo => {
  const length = req.getHeader("content-length")
  const path = req.getUrl()
  return {
    method: req.getMethod().toUpperCase(),
    path,
    query: req.getQuery() ?? "",
    authorization: req.getHeader("authorization"),
    origin: req.getHeader("origin"),
    host: req.getHeader("host"),
    remoteAddress: addressOf(res, from),
    contentLength: /^\d+$/.test(length) ? Number(length) : undefined,
    refusal: path === REFUSAL_PATH ? req.getHeader(REFUSAL_HEADER) : "",
  }
}

/** Starts an exchange; call it synchronously from the uWS handler. */
export const openExchange = (res: HttpResponse, req: HttpRequest, maxBytes: number, from: RemoteAddress): Exchange => {
  const request = copyRequest(req, res, from)
  let done = false
  let settleBody: (body: Body) => void = () => {}
  const body = new Promise<Body>((settle) => {
    settleBody = settle
  })
  res.onAborted(() => {
    done = true
    settleBody({ _tag: "aborted" })
  })

  if (!BODY_METHODS.has(request.method)) settleBody({ _tag: "bytes", bytes: new Uint8Array(0) })
  else if (request.contentLength !== undefined && request.contentLength > maxBytes) {
    res.onData(() => undefined)
    settleBody({ _tag: "too_large", declared: true })
  } else {
    const chunks: Buffer[] = []
    let size = 0
    res.onData((chunk, isLast) => {
      if (size > maxBytes) return
      size += chunk.byteLength
      if (size > maxBytes) return settleBody({ _tag: "too_large", declared: false })
      chunks.push(Buffer.from(chunk.slice(0))) // uWS reuses the chunk's memory after this call
      if (isLast) settleBody({ _tag: "bytes", bytes: Buffer.concat(chunks) })
    })
  }

  return {
    request,
    body,
    send(answer, headers) {
      if (done) return
      done = true
      res.cork(() => {
        res.writeStatus(`${answer.status} ${STATUS_CODES[answer.status] ?? ""}`)
        for (const [name, value] of Object.entries({ ...headers, ...answer.headers })) res.writeHeader(name, value)
        res.writeHeader("content-type", "text" in answer ? answer.contentType : "application/json; charset=utf-8")
        const text = "text" in answer ? answer.text : JSON.stringify(answer.json)
        // An upload refused while streaming is not read to its end: the connection closes after the answer.
        const close = "json" in answer && answer.close === true
        // A HEAD's answer has no body (RFC 9110 9.3.2): uWS writes `end`'s body whatever the method, and a kept-alive
        // client then read it as the start of the next answer. (Its Content-Length says 0: this build's
        // `endWithoutBody` writes a length of 2^63 and drops the connection at the next request.)
        res.end(request.method === "HEAD" ? "" : text, close)
      })
    },
  }
}
