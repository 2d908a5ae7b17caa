// uWS's answers on a kept-alive connection, on their way back through the front door (./front-door.ts):
// passed on unchanged, each one's end found (its Content-Length, chunks, or none for HEAD, 1xx, 204 and
// 304), so that the client's next request reaches uWS only once the answer before it is complete
// (`Turns`). uWS 20.30 closes a connection without either answer when a request arrives while the
// one ahead of it waits for its answer (any command), so a client that pipelines lost both; held in
// the front door instead, each is answered in its turn. An answer this reading cannot frame (101, or
// one that ends at the close) ends the holding: what follows passes as it comes; a 101 also tells the
// client's side (`Turns.switchedProtocols`) that its bytes are WebSocket frames from then on.
import { Transform, type TransformCallback } from "node:stream"
import { afterChunkSize, chunkSize, type MessageState } from "./message-framing.ts"

/** The requests of one connection passed on to uWS and not answered yet, and who waits for none to be. */
export class Turns {
  private readonly methods: string[] = []
  private waiting: Array<() => void> = []
  /** Set once an answer could not be framed: from then on nothing is held. */
  private unbounded = false
  /** Set once uWS answered 101: what the client sends from then on is WebSocket frames. */
  private upgraded = false

  /** A request with `method` was passed on. */
  sent(method: string): void {
    if (!this.unbounded) this.methods.push(method)
  }

  /** The method of the request the next answer answers. */
  next(): string | undefined {
    return this.methods[0]
  }

  /** An answer is complete. */
  answered(): void {
    this.methods.shift()
    if (this.methods.length === 0) this.wake()
  }

  /** uWS switched the connection to WebSocket (101): nothing is held from now on. */
  switched(): void {
    this.upgraded = true
    this.unbind()
  }

  /** Whether answers are still followed (false once one could not be framed, or after a 101). */
  get holding(): boolean {
    return !this.unbounded
  }

  /** Whether uWS switched the connection to WebSocket. */
  get switchedProtocols(): boolean {
    return this.upgraded
  }

  /** Nothing is held from now on. */
  unbind(): void {
    this.unbounded = true
    this.methods.length = 0
    this.wake()
  }

  /** Runs `then` once every request passed on has its answer (at once when none waits). */
  whenAnswered(then: () => void): void {
    if (this.methods.length === 0) then()
    else this.waiting.push(then)
  }

  private wake(): void {
    const waiting = this.waiting
    this.waiting = []
    for (const then of waiting) then()
  }
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/
const TRANSFER_ENCODING = /\r\ntransfer-encoding:/i
/** A Content-Length field of digits (any other: the answer cannot be framed). */
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r|$)/i
/** A head or chunk line longer than this is not one uWS writes: the reading ends. */
const MAX_LINE = 64 * 1024

export class AnswerStream extends Transform {
  private state: MessageState = { _tag: "head" }
  private pending = Buffer.alloc(0)

  constructor(private readonly turns: Turns) {
    super()
  }

  /** Whether it is between answers: nothing of the next one read yet. */
  get between(): boolean {
    return this.state._tag === "head" && this.pending.length === 0
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // Passed on as it comes; only read to find where each answer ends.
    this.push(chunk)
    let bytes = chunk
    while (bytes.length > 0) bytes = this.scan(bytes)
    done()
  }

  private scan(bytes: Buffer): Buffer {
    const state = this.state
    switch (state._tag) {
      case "through":
        return Buffer.alloc(0)
      case "length":
      case "chunk": {
        const n = Math.min(state.left, bytes.length)
        state.left -= n
        if (state.left === 0) {
          if (state._tag === "chunk") this.state = { _tag: "line", trailers: false }
          else this.complete()
        }
        return bytes.subarray(n)
      }
      case "line":
      case "head": {
        const joined = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes])
        const mark = state._tag === "head" ? "\r\n\r\n" : "\r\n"
        const end = joined.indexOf(mark)
        if (end < 0) {
          if (joined.length > MAX_LINE) return this.unframed()
          this.pending = Buffer.from(joined)
          return Buffer.alloc(0)
        }
        this.pending = Buffer.alloc(0)
        const text = joined.toString("latin1", 0, end)
        if (state._tag === "head") this.head(text)
        else this.line(text, state.trailers)
        return joined.subarray(end + mark.length)
      }
    }
  }

  /** An answer's head: its status and framing. */
  private head(text: string): void {
    const status = Number(STATUS_LINE.exec(text)?.[1] ?? Number.NaN)
    if (status === 101) {
      this.turns.switched()
      return void this.unframed()
    }
    if (Number.isNaN(status)) return void this.unframed()
    // 100 Continue and the like: the final answer is still to come.
    if (status < 200) return
    if (this.turns.next() === "HEAD" || status === 204 || status === 304) return this.complete()
    if (TRANSFER_ENCODING.test(text)) {
      this.state = { _tag: "line", trailers: false }
      return
    }
    const length = CONTENT_LENGTH.exec(text)?.[1]
    if (length === undefined) return void this.unframed()
    if (Number(length) === 0) return this.complete()
    this.state = { _tag: "length", left: Number(length) }
  }

  /** A chunk-size line, or a trailer line. */
  private line(text: string, trailers: boolean): void {
    if (trailers) {
      if (text === "") this.complete()
      return
    }
    const size = chunkSize(text)
    if (size === undefined) return void this.unframed()
    this.state = afterChunkSize(size)
  }

  private complete(): void {
    this.state = { _tag: "head" }
    this.turns.answered()
  }

  private unframed(): Buffer {
    this.pending = Buffer.alloc(0)
    this.state = { _tag: "through" }
    this.turns.unbind()
    return Buffer.alloc(0)
  }
}
