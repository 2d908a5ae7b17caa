// Postgres wire protocol, as far as the byte-counting proxy needs it: splits one direction of a
// connection into messages (type byte + int32 length, or the untyped startup messages) and reads
// the rows returned from CommandComplete tags ("SELECT 10").

/** Protocol codes of the untyped requests after which the client sends another untyped message. */
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104

/** Rows a statement returned, from its CommandComplete tag ("SELECT 10", "FETCH 5"); 0 for other tags. */
export const rowsReturned = (tag: string): number => {
  const words = tag.replace(/\0$/, "").split(" ")
  return words[0] === "SELECT" || words[0] === "FETCH" ? Number(words[1] ?? 0) || 0 : 0
}

/**
 * Cuts a byte stream into messages. `typed` is false for the client side, whose startup messages
 * carry no type byte; `body` tells for which types the body must be handed over (others are
 * skipped without being buffered). `onRaw` is called when the peer answered an SSL or GSS request
 * with its single untyped byte.
 */
export class MessageScanner {
  private pending: Buffer = Buffer.alloc(0)
  private skip = 0
  private rawBytes = 0

  constructor(
    private typed: boolean,
    private readonly body: (type: number) => boolean,
    private readonly onMessage: (type: number, body: Buffer | undefined) => void,
  ) {}

  /** The next `count` bytes are an untyped one-byte answer (to an SSL/GSS request). */
  expectRaw(count: number): void {
    this.rawBytes += count
  }

  push(chunk: Buffer): void {
    let data = chunk
    while (data.length > 0 && (this.skip > 0 || this.rawBytes > 0)) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length)
        this.skip -= n
        data = data.subarray(n)
      } else {
        this.rawBytes -= 1
        data = data.subarray(1)
      }
    }
    if (data.length === 0) return
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data
    for (;;) {
      const head = this.typed ? 5 : 4
      if (buffer.length < head) break
      const type = this.typed ? (buffer[0] ?? 0) : 0
      const total = (this.typed ? 1 : 0) + buffer.readInt32BE(this.typed ? 1 : 0)
      const wanted = !this.typed || this.body(type)
      if (buffer.length < total) {
        if (wanted) break
        this.onMessage(type, undefined)
        this.skip = total - buffer.length
        buffer = Buffer.alloc(0)
        break
      }
      const message = buffer.subarray(head, total)
      buffer = buffer.subarray(total)
      if (this.typed) {
        this.onMessage(type, wanted ? message : undefined)
      } else {
        const code = message.length >= 4 ? message.readInt32BE(0) : 0
        this.onMessage(code === SSL_REQUEST || code === GSSENC_REQUEST ? code : 0, message)
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.typed = true
      }
    }
    this.pending = Buffer.from(buffer)
  }
}

export const isSslOrGssRequest = (code: number): boolean => code === SSL_REQUEST || code === GSSENC_REQUEST
