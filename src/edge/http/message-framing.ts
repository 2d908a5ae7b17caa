// Where an HTTP/1.1 message's body ends, as the front door reads both ways of a kept-alive connection
// (./request-stream.ts for the client's requests, ./answer-stream.ts for uWS's answers): the states of
// that reading and the chunk-size line of a chunked body (RFC 9112 7.1).

/** Where the reading of a connection's messages is. */
export type MessageState =
  /** At a message's head, read until its blank line. */
  | { readonly _tag: "head" }
  /** In a body of a Content-Length: `left` bytes to go. */
  | { readonly _tag: "length"; left: number }
  /** A chunk-size line, or (`trailers`) a trailer section's lines, read until its end. */
  | { readonly _tag: "line"; readonly trailers: boolean }
  /** A chunk's data and its CRLF: `left` bytes to go. */
  | { readonly _tag: "chunk"; left: number }
  /** Passed on as it is (upgraded, or framed in a way this reading does not follow). */
  | { readonly _tag: "through" }

/** A chunk-size line: the size in hex, and any extensions after it. */
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/

/** A chunk-size line's size in hex, without its extensions, or undefined when it is not one. */
export const chunkSize = (line: string): string | undefined => CHUNK_SIZE.exec(line)?.[1]

/** The state after a chunk-size line of `size` (hex): the chunk, or the trailers after the last (0). */
export const afterChunkSize = (size: string): MessageState => {
  const length = Number.parseInt(size, 16)
  return length === 0 ? { _tag: "line", trailers: true } : { _tag: "chunk", left: length + 2 }
}
