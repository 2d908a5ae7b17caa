// The front door's reading of a request head (./front-door.ts, ./request-stream.ts): what uWS would
// drop without an answer, take when it must not, or frame another way than a proxy would, answered
// here with the error body; the rest passed on as uWS can take it.
//
// Refused: a head over MAX_HEAD_BYTES (431) or whose lines end in a bare LF (400), unjudged; a request line that is not `<METHOD> <target> HTTP/1.x` (400), more than MAX_HEADER_FIELDS
// fields (431), an unknown method (405 with `Allow`), a field line that is not `name: value` or holds a
// control character, or is folded (400, RFC 9112 5.2), an HTTP/1.1 request without exactly one Host
// (400, RFC 9112 3.2), a framing two parties could read two ways (both Content-Length and
// Transfer-Encoding, Content-Lengths that differ or are not digits, a transfer coding other than
// chunked: 400, RFC 9112 6.3), a WebSocket handshake of another version (426) or without a proper key
// (400, RFC 6455 4.2.1), a Content-Length of more than nine digits (uWS closes the connection on one without
// an answer) over the body limit (413, the route's message). Passed on: HTTP/1.0 as HTTP/1.1 with
// `Connection: close` (and a Host when it had none); 49 to 64 fields with only the fields the edge reads; a
// Content-Length of more than nine digits within the limit (leading zeros) as its number.
import type { ErrorCode } from "../../schema/errors.ts"

/** PROTOCOL: more than this many header fields → 431. */
const MAX_HEADER_FIELDS = 64
/** A head (request line and fields) over this many bytes → 431. */
const MAX_HEAD_BYTES = 16 * 1024
/** uWS answers requests with at most this many header fields. */
const UWS_MAX_HEADER_FIELDS = 48

/** uWS (20.30) closes the connection, answering nothing, on a Content-Length of more digits than this. */
const UWS_LENGTH_DIGITS = 9

/** What a head is judged against: the methods a path takes (for `Allow`; undefined when no route has it) and the
 * largest body the edge reads (the routes' 413 past it). */
export interface HeadRules {
  readonly methodsOf: (path: string) => ReadonlyArray<string> | undefined
  readonly maxBodyBytes: number
}

/** Why a body over `maxBodyBytes` is refused (413), here and in the routes (./dispatch.ts). */
export const tooLargeMessage = (maxBodyBytes: number): string => `body: larger than ${maxBodyBytes} bytes`

const bodyTooLarge = (maxBodyBytes: number): Verdict => ({
  _tag: "refuse",
  status: 413,
  code: "payload_too_large",
  message: tooLargeMessage(maxBodyBytes),
})

/** The methods uWS routes (any other is answered 405 here). */
const KNOWN_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** The header fields uWS or the edge read; the others are dropped from a head uWS would refuse. */
const FIELDS_READ = new Set([
  "host",
  "authorization",
  "origin",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "upgrade",
  "expect",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "access-control-request-method",
  "access-control-request-headers",
])

/** RFC 9110 5.6.2: a method or a field name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/

/** RFC 6455 4.2.1: a handshake names version 13 and a key of 16 bytes in base64. */
const WEBSOCKET_VERSION = "13"
const WEBSOCKET_KEY = /^[A-Za-z0-9+/]{22}==$/

/** How a request's body is framed (RFC 9112 6.3): none, a Content-Length of bytes, or chunked. */
export type Framing = { readonly _tag: "none" } | { readonly _tag: "length"; readonly bytes: number } | { readonly _tag: "chunked" }

export type Verdict =
  | { readonly _tag: "forward"; readonly method: string; readonly head: string; readonly upgrade: boolean; readonly body: Framing }
  | {
      readonly _tag: "refuse"
      readonly status: number
      readonly code: ErrorCode
      readonly message: string
      readonly headers?: Record<string, string>
    }

const invalid = (message: string): Verdict => ({ _tag: "refuse", status: 400, code: "validation_failed", message })

/** The refusal of a head whose lines end in a bare LF. */
const BARE_LF = "request head: lines must end with CRLF (RFC 9112)"

/** Where a head ends (the index of its blank line's CRLF CRLF), -1 while it has not come, or `bare_lf` for a head whose
 * lines end in LF alone (uWS waits for CRLF until its timeout). */
export const headEnd = (bytes: Buffer): number | "bare_lf" => {
  const end = bytes.indexOf("\r\n\r\n")
  const bare = bytes.indexOf("\n\n")
  return bare >= 0 && (end < 0 || bare < end) ? "bare_lf" : end
}

/** A control character other than HTAB (RFC 9110 5.5: not in a field value; a lone CR or LF is one). */
const hasControl = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true
  }
  return false
}

interface Field {
  /** Lower case. */
  readonly name: string
  readonly value: string
  readonly line: string
}

/** The head's field lines as fields, or the refusal of the first that is not one. */
const parseFields = (lines: ReadonlyArray<string>): Field[] | Verdict => {
  const fields: Field[] = []
  for (const [index, line] of lines.entries()) {
    const at = line.indexOf(":")
    const name = at < 0 ? "" : line.slice(0, at)
    if (line.startsWith(" ") || line.startsWith("\t"))
      return invalid(`headers: line ${index + 1} is folded onto the one before (obsolete line folding is not taken)`)
    if (!TOKEN.test(name)) return invalid(`headers: line ${index + 1} is not "name: value"`)
    const value = line.slice(at + 1).trim()
    if (hasControl(value)) return invalid(`headers: ${name} holds a control character`)
    fields.push({ name: name.toLowerCase(), value, line })
  }
  return fields
}

/** Why uWS must not take the head's Host and body framing (it would frame or route it another way than a proxy
 * might), or undefined. */
const framingRefusal = (fields: ReadonlyArray<Field>, minor: string): Verdict | undefined => {
  const values = (name: string) => fields.filter((field) => field.name === name).map((field) => field.value)
  const hosts = values("host")
  if (minor === "1" && hosts.length !== 1)
    return invalid(hosts.length === 0 ? "headers: Host is missing (HTTP/1.1 requires it)" : "headers: Host is given more than once")
  const lengths = values("content-length")
  const codings = values("transfer-encoding")
  if (lengths.length > 0 && codings.length > 0) return invalid("headers: both Content-Length and Transfer-Encoding; send one")
  const badLength = lengths.find((length) => !/^\d+$/.test(length))
  if (badLength !== undefined) return invalid(`headers: Content-Length ${JSON.stringify(badLength)} is not a number of bytes`)
  if (new Set(lengths).size > 1) return invalid(`headers: Content-Length given as ${lengths.join(" and ")}`)
  const coding = codings.join(", ")
  if (codings.length > 0 && coding.toLowerCase() !== "chunked")
    return invalid(`headers: Transfer-Encoding ${JSON.stringify(coding)}; only chunked is taken`)
  return undefined
}

/** Why uWS must not upgrade a WebSocket handshake (it would, for any version or key), or undefined when it may. */
const handshakeRefusal = (version: string | undefined, key: string | undefined): Verdict | undefined => {
  if (version !== WEBSOCKET_VERSION) {
    // RFC 6455 4.2.2: 426 naming the version the server speaks.
    return {
      _tag: "refuse",
      status: 426,
      code: "validation_failed",
      message: `sec-websocket-version: ${version === undefined ? "missing" : JSON.stringify(version)}; this edge speaks version ${WEBSOCKET_VERSION} (RFC 6455)`,
      headers: { "sec-websocket-version": WEBSOCKET_VERSION },
    }
  }
  if (key === undefined || !WEBSOCKET_KEY.test(key))
    return invalid(`sec-websocket-key: ${key === undefined ? "missing" : JSON.stringify(key)}; expected 16 bytes in base64 (RFC 6455)`)
  return undefined
}

/** What to do with a request head (the text before its blank line). */
export const judgeHead = (head: string, rules: HeadRules): Verdict => {
  const [line = "", ...lines] = head.split("\r\n")
  const request = REQUEST_LINE.exec(line)
  if (request === null) return invalid('request line: expected "<METHOD> <path> HTTP/1.1"')
  const [, method = "", target = "", minor = "1"] = request
  if (lines.length > MAX_HEADER_FIELDS) {
    return {
      _tag: "refuse",
      status: 431,
      code: "payload_too_large",
      message: `headers: ${lines.length} fields, more than ${MAX_HEADER_FIELDS}`,
    }
  }
  if (!KNOWN_METHODS.has(method)) {
    const path = target.split("?")[0] ?? target
    const allow = [...(rules.methodsOf(path) ?? ["GET", "POST", "DELETE"]), "OPTIONS"].join(", ")
    return {
      _tag: "refuse",
      status: 405,
      code: "not_found",
      message: `${method} ${path}: method not allowed (allowed: ${allow})`,
      headers: { allow },
    }
  }
  const parsed = parseFields(lines)
  if (!Array.isArray(parsed)) return parsed
  const framing = framingRefusal(parsed, minor)
  if (framing !== undefined) return framing
  const value = (name: string) => parsed.find((field) => field.name === name)?.value
  const upgrade = /websocket/i.test(value("upgrade") ?? "")
  if (upgrade) {
    const refused = handshakeRefusal(value("sec-websocket-version"), value("sec-websocket-key"))
    if (refused !== undefined) return refused
  }
  let kept = parsed.length > UWS_MAX_HEADER_FIELDS ? parsed.filter((field) => FIELDS_READ.has(field.name)) : parsed
  let first = line
  const extra: string[] = []
  if (minor === "0") {
    first = `${method} ${target} HTTP/1.1`
    kept = kept.filter((field) => field.name !== "connection")
    if (!kept.some((field) => field.name === "host")) extra.push("Host: localhost")
    extra.push("Connection: close")
  }
  const declared = value("content-length")
  const length = Number(declared ?? 0)
  if (declared !== undefined && declared.length > UWS_LENGTH_DIGITS) {
    if (length > rules.maxBodyBytes) return bodyTooLarge(rules.maxBodyBytes)
    kept = kept.filter((field) => field.name !== "content-length")
    extra.push(`Content-Length: ${length}`)
  }
  const body: Framing =
    value("transfer-encoding") !== undefined ? { _tag: "chunked" } : length > 0 ? { _tag: "length", bytes: length } : { _tag: "none" }
  return { _tag: "forward", method, head: [first, ...kept.map((field) => field.line), ...extra].join("\r\n"), upgrade, body }
}

/**
 * The head at the start of `bytes` (the front door's first request, or a later one of a kept-alive connection):
 * undefined while it is not complete, else its verdict and where what follows it starts (`rest`). A head over
 * MAX_HEAD_BYTES, whether its end has come yet or came in the same read, and one whose lines end in a bare LF are
 * refused without being judged.
 */
export const readHead = (bytes: Buffer, rules: HeadRules): { readonly verdict: Verdict; readonly rest: number } | undefined => {
  const end = headEnd(bytes)
  if (end === "bare_lf") return { verdict: invalid(BARE_LF), rest: bytes.length }
  if (end > MAX_HEAD_BYTES || (end < 0 && bytes.length > MAX_HEAD_BYTES)) {
    const message = `headers: more than ${MAX_HEAD_BYTES} bytes`
    return { verdict: { _tag: "refuse", status: 431, code: "payload_too_large", message }, rest: bytes.length }
  }
  if (end < 0) return undefined
  return { verdict: judgeHead(bytes.toString("latin1", 0, end), rules), rest: end + 4 }
}
