// What the front door (./front-door.ts) changes in a client's WebSocket frames before uWS reads them,
// so that uWS never drops a connection over a frame's content, which it does without a close frame
// (1006) before any handler of ours runs (docs/edge.md, "Socket quotas"):
//
// - a text message is passed on as a binary one (its first frame's opcode 1 becomes 2): uWS checks the
//   UTF-8 of text messages only, and the edge decodes both kinds alike under the input rules, so a text
//   frame that is not UTF-8 gets `validation_failed` like a binary one, its socket kept;
// - a message over `maxMessageBytes` (one frame, or fragments adding up) is cut to `maxMessageBytes + 1`
//   bytes and ended there (FIN): the socket handler sees a frame over the quota and answers
//   `payload_too_large`, then closes 1009, whatever the size the client announced; the rest of that
//   message is dropped here, so uWS never holds more than that.
//
// - an unmasked frame (RFC 6455 5.1: a server must close the connection on one; uWS 20.30 takes it) is
//   replaced by a close frame with status 1002 naming why, and what the client sends after it is dropped:
//   uWS answers the close, the handler sees code 1002, and the client reads the close frame.
//
// Everything else passes as it is: control frames (close, ping, pong), and frames uWS refuses on its
// own for breaking RFC 6455 (reserved opcodes or bits, a continuation with no message).
// Only headers are read; payload bytes pass through uncopied, still masked (a cut keeps the start of
// the payload, so the masking key still lines up).
const FIN = 0x80
const MASKED = 0x80
const CONTINUATION = 0x0
const TEXT = 0x1
const BINARY = 0x2
/** Opcodes from here up are control frames (close 8, ping 9, pong 10). */
const CONTROL = 0x8
const MAX_HEADER = 14
const CLOSE = 0x8
/** RFC 6455 7.4.1: the status of a close for a protocol error. */
export const PROTOCOL_ERROR = 1002
export const UNMASKED_REASON = "client frames must be masked (RFC 6455 5.1)"

/** A client's close frame of `status` with `reason`, masked with a zero key (the payload as it is). */
const closeFrame = (status: number, reason: string): Buffer => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(status, 0)
  payload.write(reason, 2)
  return Buffer.concat([Buffer.from([FIN | CLOSE, MASKED | payload.length, 0, 0, 0, 0]), payload])
}

/** A header's length bytes for a payload of `length` (7 bits, or 126 / 127 and 16 / 64 bits), mask bit clear. */
const lengthField = (length: number): Buffer => {
  if (length < 126) return Buffer.from([length])
  if (length < 0x10000) {
    const field = Buffer.alloc(3)
    field[0] = 126
    field.writeUInt16BE(length, 1)
    return field
  }
  const field = Buffer.alloc(9)
  field[0] = 127
  field.writeBigUInt64BE(BigInt(length), 1)
  return field
}

/** What to pass on for a frame's header: itself with this first byte, another header, or nothing (the frame is dropped). */
type HeaderVerdict =
  | { readonly _tag: "keep"; readonly first: number }
  | { readonly _tag: "replace"; readonly header: Buffer }
  | { readonly _tag: "drop" }

/**
 * The client side of one upgraded connection, frame by frame: `push` each chunk read, write what it
 * returns, in order. A chunk whose frame headers lie within it comes back as itself (opcodes changed in
 * place), so the common case copies nothing.
 */
export class ClientFrames {
  private readonly header = Buffer.alloc(MAX_HEADER)
  private headerBytes = 0
  /** Payload bytes of the current frame still to come, and how many of them are passed on. */
  private payloadLeft = 0
  private forwardLeft = 0
  /** Bytes of the current data message passed on so far. */
  private messageBytes = 0
  /** The current message was cut: its continuation frames are dropped. */
  private dropping = false
  /** A close was passed on in the client's name (an unmasked frame): everything after it is dropped. */
  private ended = false

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = []
    /** Start of the bytes of `chunk` passed on as they are, from here to the next cut. */
    let run = 0
    /** Passes on the run up to `from`, leaves out `from`..`to`. */
    const leaveOut = (from: number, to: number) => {
      if (from > run) out.push(chunk.subarray(run, from))
      run = to
    }
    if (this.ended) return []
    let at = 0
    /** Where the current header began in this chunk; -1: in an earlier chunk. */
    let headerAt = this.headerBytes > 0 ? -1 : 0
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at)
        const passed = Math.min(n, this.forwardLeft)
        if (passed < n) leaveOut(at + passed, at + n)
        this.forwardLeft -= passed
        this.payloadLeft -= n
        at += n
        continue
      }
      if (this.headerBytes === 0) headerAt = at
      const wanted = this.headerBytes < 2 ? 2 : this.headerLength()
      const n = Math.min(wanted - this.headerBytes, chunk.length - at)
      chunk.copy(this.header, this.headerBytes, at, at + n)
      this.headerBytes += n
      at += n
      if (this.headerBytes < 2 || this.headerBytes < this.headerLength()) {
        // Held back until it is complete (this is the chunk's end, or the rest of its length is next).
        if (at === chunk.length) leaveOut(Math.max(headerAt, 0), at)
        continue
      }
      const length = this.headerBytes
      const verdict = this.frameHeader()
      this.headerBytes = 0
      if (verdict._tag === "keep" && headerAt >= 0) {
        chunk[headerAt] = verdict.first
        continue
      }
      leaveOut(Math.max(headerAt, 0), at)
      if (verdict._tag === "replace") out.push(verdict.header)
      else if (verdict._tag === "keep") {
        const header = Buffer.from(this.header.subarray(0, length))
        header[0] = verdict.first
        out.push(header)
      }
      // The close passed on in the client's name is the last thing uWS reads.
      if (this.ended) return out
    }
    if (run < chunk.length) out.push(run === 0 ? chunk : chunk.subarray(run))
    return out
  }

  /** The whole header's length, once its first two bytes are known. */
  private headerLength(): number {
    const second = this.header[1] as number
    const length7 = second & 0x7f
    return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (second & MASKED ? 4 : 0)
  }

  /** Takes a complete header (in `this.header`): what to pass on for it. */
  private frameHeader(): HeaderVerdict {
    const h = this.header
    const first = h[0] as number
    const second = h[1] as number
    const fin = (first & FIN) !== 0
    const opcode = first & 0x0f
    const length7 = second & 0x7f
    const length = length7 < 126 ? length7 : length7 === 126 ? h.readUInt16BE(2) : Number(h.readBigUInt64BE(2))
    this.payloadLeft = length
    this.forwardLeft = length
    if ((second & MASKED) === 0) {
      this.ended = true
      return { _tag: "replace", header: closeFrame(PROTOCOL_ERROR, UNMASKED_REASON) }
    }
    if (opcode >= CONTROL || (opcode !== CONTINUATION && opcode !== TEXT && opcode !== BINARY)) return { _tag: "keep", first }
    if (opcode === CONTINUATION) {
      if (this.dropping) {
        this.forwardLeft = 0
        if (fin) this.dropping = false
        return { _tag: "drop" }
      }
    } else {
      this.messageBytes = 0
      this.dropping = false
    }
    const passedOpcode = opcode === TEXT ? BINARY : opcode
    if (this.messageBytes + length <= this.maxMessageBytes) {
      this.messageBytes += length
      return { _tag: "keep", first: (first & 0xf0) | passedOpcode }
    }
    // Over the quota: one byte over it is enough for the handler to answer payload_too_large and close 1009.
    const kept = this.maxMessageBytes + 1 - this.messageBytes
    this.forwardLeft = kept
    this.messageBytes = this.maxMessageBytes + 1
    this.dropping = !fin
    const field = lengthField(kept)
    field[0] = (field[0] as number) | (second & MASKED)
    const headerLength = this.headerLength()
    const maskKey = second & MASKED ? h.subarray(headerLength - 4, headerLength) : Buffer.alloc(0)
    return { _tag: "replace", header: Buffer.concat([Buffer.from([FIN | (first & 0x70) | passedOpcode]), field, maskKey]) }
  }
}
