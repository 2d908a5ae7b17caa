// The edge's front door: a Node TCP listener on the public port that reads the head of each
// connection's first request before uWebSockets.js sees it, because uWS (20.30) drops, before any of
// our code runs, what PROTOCOL says must be answered: an HTTP/1.0 request (no answer until its idle
// timeout), one with more than 48 header fields (no answer), an unknown method (connection closed).
//
// Per connection: over CLAWBOT_MAX_CONNECTIONS_PER_ADDRESS open connections from one address → 429
// with Retry-After; a head not complete within the head timeout → 408 (a connection that sent nothing is closed
// without a word); the head is read and judged by ./request-head.ts (431, 405, 400, 426, 413, or passed on as
// uWS can take it). The rest is piped to uWS on a private Unix socket, behind a PROXY protocol v2 header naming
// the client's IPv4 address (uWS reads it as getProxiedRemoteAddress; IPv6 clients are not named and share
// one address). Later requests on a kept-alive connection are judged alike on their way
// (./request-stream.ts), each passed on once the answer before it is complete (./answer-stream.ts). Once
// uWS has upgraded a connection (101), at its first request or a later one, the client's WebSocket frames
// pass through ./ws-frames.ts, so that uWS never drops the connection for a text frame that is not UTF-8
// or a frame over its own size limit (1006, no close frame): the handlers answer those. A chunked body uWS
// would close the connection over without an answer is answered here (400) or cut so that its route answers
// (413): ./request-stream.ts.
import { STATUS_CODES } from "node:http"
import { createServer, connect, type Server, type Socket } from "node:net"
import type { Logger } from "../../log.ts"
import { errorFields } from "../../log.ts"
import { ApiError, type ErrorCode } from "../../schema/errors.ts"
import type { Metrics } from "../context.ts"
import { readHead, type HeadRules } from "./request-head.ts"
import { nextOf, RequestStream, type Next } from "./request-stream.ts"
import { AnswerStream, Turns } from "./answer-stream.ts"

/** How long a client may take to finish its side once uWS has closed the connection. */
const CLOSE_GRACE_MS = 1_000

export interface FrontDoorOptions {
  readonly host: string
  readonly port: number
  /** The Unix socket uWS listens on. */
  readonly upstream: string
  readonly connectionsPerAddress: number
  /** How long a connection may take to send its first request's head: past it, a partial head is answered 408 and the
   * connection closed; a connection that sent nothing is closed without a word (a client's idle preconnect). */
  readonly headTimeoutMs: number
  /** The largest WebSocket message a client may send (the socket quota): a longer one reaches uWS cut
   * to one byte more, so its handler answers it (./ws-frames.ts). */
  readonly maxFrameBytes: number
  /** Proves to uWS that a refusal request came from here (./request-stream.ts). */
  readonly refusalSecret: string
  /** What heads are judged against: the methods a path takes (for `Allow`), the largest body. */
  readonly rules: HeadRules
  readonly log: Logger
  readonly metrics: Metrics
}

export interface FrontDoor {
  readonly port: number
  /** Stops passing what WebSocket clients send on to uWS (what they send from now on is dropped), so that their
   * sockets can be ended (1001) and uWS closed at once: a client frame written to a uWS socket already closed fails
   * (EPIPE), and that failure would drop the close frame still waiting to be read (the client would see 1006). */
  quiesce(): void
  /** Stops taking connections at once; resolves once the open ones have ended (uWS closing its side
   * ends them, close frames delivered), or are dropped after a grace period. */
  close(): Promise<void>
}

const IPV4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i
const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])

/** A PROXY protocol v2 header naming the client (PROXY, TCP over IPv4), or an empty buffer for IPv6. */
const proxyHeader = (client: Socket): Buffer => {
  const source = IPV4.exec(client.remoteAddress ?? "")
  const target = IPV4.exec(client.localAddress ?? "") ?? IPV4.exec("127.0.0.1")
  if (source === null || target === null) return Buffer.alloc(0)
  const body = Buffer.alloc(12)
  for (let i = 0; i < 4; i++) {
    body[i] = Number(source[i + 1])
    body[4 + i] = Number(target[i + 1])
  }
  body.writeUInt16BE(client.remotePort ?? 0, 8)
  body.writeUInt16BE(client.localPort ?? 0, 10)
  return Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0, body.length]), body])
}

/** Writes a complete answer and closes the connection. */
const answer = (client: Socket, status: number, code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) => {
  const body = JSON.stringify(new ApiError({ code, message }).toBody())
  const fields = {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    ...headers,
  }
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, ...Object.entries(fields).map(([name, value]) => `${name}: ${value}`)]
  // Whatever else the client sends is read and dropped, so its close is seen (and the connection uncounted).
  client.resume()
  client.end(`${head.join("\r\n")}\r\n\r\n${body}`)
}

export const openFrontDoor = (options: FrontDoorOptions): Promise<FrontDoor> => {
  const { log, metrics } = options
  const open = new Map<string, number>()
  const sockets = new Set<Socket>()
  /** Upgraded connections: each stops passing its client's bytes to uWS when called. */
  const upgraded = new Set<() => void>()

  const handle = (client: Socket) => {
    const address = client.remoteAddress ?? ""
    const count = (open.get(address) ?? 0) + 1
    open.set(address, count)
    sockets.add(client)
    client.setNoDelay(true)
    client.on("error", () => undefined)
    client.once("close", () => {
      sockets.delete(client)
      const left = (open.get(address) ?? 1) - 1
      if (left === 0) open.delete(address)
      else open.set(address, left)
    })
    if (count > options.connectionsPerAddress) {
      metrics.inc("clawbot_rate_limited_total", { subject: "connections" })
      return answer(client, 429, "rate_limited", `more than ${options.connectionsPerAddress} open connections from this address`, {
        "retry-after": "1",
      })
    }
    let buffered = Buffer.alloc(0)
    const timer = setTimeout(() => {
      client.off("data", onData)
      if (buffered.length === 0) return client.destroy()
      metrics.inc("clawbot_request_heads_timed_out_total")
      answer(client, 408, "validation_failed", `request head: not complete within ${options.headTimeoutMs} ms`)
      // A client that never reads its answer is not left holding the connection.
      setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref()
    }, options.headTimeoutMs).unref()
    client.once("close", () => clearTimeout(timer))
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const read = readHead(buffered, options.rules)
      if (read === undefined) return
      const { verdict, rest } = read
      if (verdict._tag === "refuse") return finish(() => answer(client, verdict.status, verdict.code, verdict.message, verdict.headers))
      const head = Buffer.concat([proxyHeader(client), Buffer.from(`${verdict.head}\r\n\r\n`, "latin1")])
      finish(() => forward(client, head, buffered.subarray(rest), verdict.method, nextOf(verdict)))
    }
    const finish = (then: () => void) => {
      clearTimeout(timer)
      client.off("data", onData)
      then()
    }
    client.on("data", onData)
  }

  /** The request's head goes to uWS, then `early` (bytes the client sent after it) and the rest of the connection (`next`
   * says what follows the head): its WebSocket frames after an upgrade, else the request's body and the requests after
   * it. */
  const forward = (client: Socket, head: Buffer, early: Buffer, method: string, next: Next) => {
    client.pause()
    const upstream = connect(options.upstream)
    let connected = false
    /** uWS's answers, read for where each ends (until an upgrade). */
    let answers: AnswerStream | undefined
    upstream.once("connect", () => {
      connected = true
      upstream.write(head)
      // Each later request reaches uWS once the answer before it is complete; after a 101 (this request's or a later
      // one's), the client's WebSocket frames pass through their filter.
      const turns = new Turns()
      turns.sent(method)
      const requests = new RequestStream(next, options.rules, options.refusalSecret, turns, options.maxFrameBytes)
      requests.on("error", () => client.destroy())
      requests.once("upgraded", () => {
        const quiesce = () => {
          client.unpipe(requests)
          client.pause()
        }
        upgraded.add(quiesce)
        client.once("close", () => upgraded.delete(quiesce))
      })
      const reading = new AnswerStream(turns)
      answers = reading
      // A body uWS would drop the connection over: answered here when nothing of its answer has come from uWS yet, else
      // the connection closes once that answer is complete. (After the pipes below: `early` may hold it.)
      const malformed = (message: string) => {
        if (turns.next() === undefined || !reading.between) return turns.whenAnswered(() => upstream.destroy())
        upstream.unpipe(reading)
        reading.unpipe(client)
        upstream.destroy()
        answer(client, 400, "validation_failed", message)
      }
      requests.once("malformed", (message: string) => queueMicrotask(() => malformed(message)))
      if (early.length > 0) requests.write(early)
      client.pipe(requests).pipe(upstream)
      upstream.pipe(reading).pipe(client)
      client.resume()
    })
    upstream.on("error", (error) => {
      // Once connected, its close follows and ends the client's side after what uWS wrote (below).
      if (connected) return
      log.warn("front door: uWS did not take the connection", errorFields(error))
      answer(client, 503, "unavailable", "the edge is not taking connections")
    })
    client.once("close", () => upstream.destroy())
    // uWS has closed its side: finish ours, and drop the connection if the client never finishes
    // its own (a half-open connection would stay counted against its address for good).
    upstream.once("close", () => {
      // What the client still sends is read and dropped, so that its side can finish; its end follows what uWS wrote.
      client.unpipe()
      client.resume()
      if (answers === undefined) client.end()
      else if (!answers.writableEnded) answers.end()
      setTimeout(() => client.destroy(), CLOSE_GRACE_MS).unref()
    })
  }

  const server: Server = createServer({ pauseOnConnect: false }, handle)
  return new Promise((resolve, reject) => {
    const refused = (error: Error & { code?: string }) =>
      reject(new Error(`the edge cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`))
    server.once("error", refused)
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off("error", refused)
      const bound = server.address()
      resolve({
        port: typeof bound === "object" && bound !== null ? bound.port : options.port,
        quiesce: () => {
          for (const quiesce of upgraded) quiesce()
        },
        close: () =>
          new Promise<void>((closed) => {
            const late = setTimeout(() => {
              for (const socket of sockets) socket.destroy()
            }, CLOSE_GRACE_MS)
            server.close(() => {
              clearTimeout(late)
              closed()
            })
          }),
      })
    })
  })
}
