// The client's side of a kept-alive HTTP connection on its way from the front door to uWS
// (./front-door.ts): request after request, each head judged as the first one is (./request-head.ts)
// and passed on as uWS can take it, each body passed through as it is framed (Content-Length or
// chunked) without being copied, chunk extensions and trailer fields left out (RFC 9112 7.1: a recipient
// may ignore both; uWS waits forever on an extension, and reads trailers as the next request's start).
// Each head waits until the answer before it is complete (./answer-stream.ts: uWS drops a connection
// that pipelines behind an answer still due). A later head the front door refuses is passed on as a
// request uWS answers in its turn with the refusal (`refusalRequest`, ./dispatch.ts), closing the
// connection after it (the client's socket is uWS's to write while answers are due); nothing the client
// sends after it passes. A request that upgrades (the first one too) holds what follows until uWS has
// answered it: after a 101 the client's bytes are WebSocket frames, passed through ./ws-frames.ts as a
// first request's are (the stream emits `upgraded`); after any other answer HTTP goes on, judged as before.
// A chunk over the body limit is cut at one byte over it and nothing after it passes: uWS closes the
// connection without an answer on a chunk size of 2^32 - 1 (not on 2^28 - 1), where one byte over the limit has the route
// answer 413 and close it. A chunk-size line it cannot read (not hex, or over MAX_CHUNK_LINE), on which uWS
// closes the connection without an answer too, ends the reading: nothing more passes, and the stream emits
// `malformed` with the 400's message for the front door to answer.
import { Transform, type TransformCallback } from "node:stream"
import type { Turns } from "./answer-stream.ts"
import { afterChunkSize, chunkSize, type MessageState } from "./message-framing.ts"
import { readHead, type Framing, type HeadRules, type Verdict } from "./request-head.ts"
import { ClientFrames } from "./ws-frames.ts"

/** The path of the request that carries a later head's refusal to uWS (never a route). */
export const REFUSAL_PATH = "/.front-door/refused"
/** Its header: `<secret> <the refusal as base64url JSON>`. */
export const REFUSAL_HEADER = "x-clawbot-refusal"

export type Refusal = Extract<Verdict, { _tag: "refuse" }>

/** The request that has uWS answer `refusal` in its turn; `secret` proves it came from the front door. */
export const refusalRequest = (refusal: Refusal, secret: string): Buffer => {
  const { _tag, ...answer } = refusal
  const carried = Buffer.from(JSON.stringify(answer)).toString("base64url")
  return Buffer.from(`GET ${REFUSAL_PATH} HTTP/1.1\r\nHost: front-door\r\n${REFUSAL_HEADER}: ${secret} ${carried}\r\n\r\n`, "latin1")
}

/** A chunk-size or trailer line longer than this is not one uWS would take either: refused (400). */
const MAX_CHUNK_LINE = 1024

type State =
  | MessageState
  /** A refusal was passed on, or the body cannot be read: nothing more is. */
  | { readonly _tag: "closed" }
  /** A request that upgrades was passed on: what follows waits for its answer. */
  | { readonly _tag: "upgrade" }
  /** uWS answered 101: WebSocket frames, through their filter. */
  | { readonly _tag: "frames"; readonly frames: ClientFrames }
  /** A chunk over the body limit, cut: `left` bytes of it still pass, then nothing does. */
  | { readonly _tag: "cut"; left: number }

/** What the client sends after a request of this framing (or one that upgrades). */
export type Next = Framing | { readonly _tag: "upgrade" }

/** What follows a head passed on: its body, or (an upgrade) whatever uWS's answer makes of the connection. */
export const nextOf = (verdict: Extract<Verdict, { _tag: "forward" }>): Next => (verdict.upgrade ? { _tag: "upgrade" } : verdict.body)

const stateOf = (body: Next): State =>
  body._tag === "upgrade"
    ? body
    : body._tag === "length"
      ? { _tag: "length", left: body.bytes }
      : body._tag === "chunked"
        ? { _tag: "line", trailers: false }
        : { _tag: "head" }

export class RequestStream extends Transform {
  private state!: State
  /** Bytes of a head or a line not complete yet. */
  private pending = Buffer.alloc(0)

  /** `first`: the framing of the connection's first request (or its upgrade), whose head the front door passed on
   * already (and told `turns` of); each later head waits until `turns` has every answer before it. A message over
   * `maxFrameBytes` after an upgrade is cut (./ws-frames.ts). */
  constructor(
    first: Next,
    private readonly rules: HeadRules,
    private readonly secret: string,
    private readonly turns: Turns,
    private readonly maxFrameBytes: number,
  ) {
    super()
    this.enter(first)
  }

  /** Goes to the state `next` starts; an upgrade is settled once uWS has answered it. */
  private enter(next: Next): void {
    this.state = stateOf(next)
    if (next._tag === "upgrade") this.turns.whenAnswered(() => this.settle())
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.run(chunk, done)
  }

  /** Reads `bytes`; at a head or after an upgrade while an answer is still due, holds them (and, by not calling
   * `done`, the client's further bytes) until it is complete. */
  private run(bytes: Buffer, done: TransformCallback): void {
    let rest = bytes
    try {
      while (rest.length > 0) {
        if ((this.state._tag === "head" || this.state._tag === "upgrade") && this.turns.next() !== undefined) {
          const held = rest
          this.turns.whenAnswered(() => this.run(held, done))
          return
        }
        rest = this.consume(rest)
      }
    } catch (error) {
      return done(error as Error)
    }
    done()
  }

  /** Takes what it can of `bytes` in the current state; returns the rest. */
  private consume(bytes: Buffer): Buffer {
    const state = this.state
    switch (state._tag) {
      case "through":
        this.push(bytes)
        return Buffer.alloc(0)
      case "closed":
        return Buffer.alloc(0)
      case "upgrade":
        this.settle()
        return bytes
      case "frames":
        for (const piece of state.frames.push(bytes)) this.push(piece)
        return Buffer.alloc(0)
      case "length": {
        const n = Math.min(state.left, bytes.length)
        this.push(bytes.subarray(0, n))
        state.left -= n
        if (state.left === 0) this.state = { _tag: "head" }
        return bytes.subarray(n)
      }
      case "chunk":
      case "cut": {
        const n = Math.min(state.left, bytes.length)
        this.push(bytes.subarray(0, n))
        state.left -= n
        if (state.left === 0) this.state = state._tag === "cut" ? { _tag: "closed" } : { _tag: "line", trailers: false }
        return bytes.subarray(n)
      }
      case "line":
        return this.line(bytes, state.trailers)
      case "head":
        return this.head(bytes)
    }
  }

  /** A chunk-size line or a trailer line, passed on once complete. */
  private line(bytes: Buffer, trailers: boolean): Buffer {
    const joined = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
    const end = joined.indexOf("\r\n")
    if ((end < 0 ? joined.length : end) > MAX_CHUNK_LINE)
      return this.malformed(`body: a chunk-size or trailer line over ${MAX_CHUNK_LINE} bytes`)
    if (end < 0) {
      this.pending = Buffer.from(joined)
      return Buffer.alloc(0)
    }
    this.pending = Buffer.alloc(0)
    const line = joined.toString("latin1", 0, end)
    const rest = joined.subarray(end + 2)
    if (trailers) {
      // Trailer fields are left out (uWS takes them for the start of the next request); the empty line ends the
      // request.
      if (line === "") {
        this.push(Buffer.from("\r\n", "latin1"))
        this.state = { _tag: "head" }
      }
      return rest
    }
    const size = chunkSize(line)
    if (size === undefined)
      return this.malformed(`body: chunk size ${JSON.stringify(line.slice(0, 32))} is not a size in hex (RFC 9112 7.1)`)
    const over = this.rules.maxBodyBytes + 1
    if (Number.parseInt(size, 16) > over) {
      this.push(Buffer.from(`${over.toString(16)}\r\n`, "latin1"))
      this.state = { _tag: "cut", left: over }
      return rest
    }
    // Its size alone: uWS waits forever on a chunk extension (`;name=value`, RFC 9112 7.1.1), which it may ignore.
    this.push(Buffer.from(`${size}\r\n`, "latin1"))
    this.state = afterChunkSize(size)
    return rest
  }

  /** A request head, judged once complete: passed on (rewritten as uWS can take it), or its refusal. */
  private head(bytes: Buffer): Buffer {
    const joined = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
    const read = readHead(joined, this.rules)
    if (read === undefined) {
      this.pending = Buffer.from(joined)
      return Buffer.alloc(0)
    }
    this.pending = Buffer.alloc(0)
    const { verdict, rest } = read
    if (verdict._tag === "refuse") return this.refuse(verdict)
    this.turns.sent(verdict.method)
    this.push(Buffer.from(`${verdict.head}\r\n\r\n`, "latin1"))
    this.enter(nextOf(verdict))
    return joined.subarray(rest)
  }

  /** Once the upgrade is answered: WebSocket frames after a 101 (`upgraded` emitted), else HTTP goes on (as it is
   * when uWS's answers could not be followed). */
  private settle(): void {
    if (this.state._tag !== "upgrade") return
    if (this.turns.switchedProtocols) {
      this.state = { _tag: "frames", frames: new ClientFrames(this.maxFrameBytes) }
      this.emit("upgraded")
    } else this.state = this.turns.holding ? { _tag: "head" } : { _tag: "through" }
  }

  private refuse(refusal: Refusal): Buffer {
    this.turns.sent("GET")
    this.push(refusalRequest(refusal, this.secret))
    this.pending = Buffer.alloc(0)
    this.state = { _tag: "closed" }
    return Buffer.alloc(0)
  }

  /** A chunked body this reading cannot follow (uWS closes the connection on it without an answer): nothing more
   * passes, and the front door answers `message` (`malformed`). */
  private malformed(message: string): Buffer {
    this.pending = Buffer.alloc(0)
    this.state = { _tag: "closed" }
    this.emit("malformed", message)
    return Buffer.alloc(0)
  }
}
