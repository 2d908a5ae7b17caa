// The front door's reading of a kept-alive connection (src/edge/http/request-stream.ts): bodies framed by
// Content-Length or chunked pass whole, however the bytes are split, chunk extensions and trailers left out; each
// later head is judged as the first (rewritten as uWS takes it, or its refusal passed on as the request that has uWS
// answer it, nothing after it); a chunk over the body limit is cut one byte over it; a chunk-size line it cannot read
// stops it (the front door answers 400); an upgrade whose answer is not followed ends the reading (an upgrade whose
// answer is followed: answer-stream.test.ts).
import { describe, expect, it } from "vitest"
import { Turns } from "../../../src/edge/http/answer-stream.ts"
import type { Framing } from "../../../src/edge/http/request-head.ts"
import { REFUSAL_PATH, RequestStream, refusalRequest } from "../../../src/edge/http/request-stream.ts"

const SECRET = "s3cret"
const RULES = { methodsOf: () => undefined, maxBodyBytes: 1024 }

/** What the stream passes on for `input` after a first request framed `first`, fed in reads of `step` bytes. */
const through = (input: string, step = input.length, first: Framing = { _tag: "none" }): string => {
  // Every answer taken as given at once (the holding is tested with the answers, in answer-stream.test.ts).
  const turns = new Turns()
  turns.unbind()
  const stream = new RequestStream(first, RULES, SECRET, turns, 1024)
  const out: Buffer[] = []
  stream.on("data", (chunk: Buffer) => out.push(chunk))
  const bytes = Buffer.from(input, "latin1")
  for (let at = 0; at < bytes.length; at += step) stream.write(bytes.subarray(at, at + step))
  return Buffer.concat(out).toString("latin1")
}

/** The refusal a refusal request carries. */
const carried = (text: string): unknown => {
  const carried = /x-clawbot-refusal: s3cret (\S+)\r\n/.exec(text)?.[1] ?? ""
  return JSON.parse(Buffer.from(carried, "base64url").toString())
}

const sized = (body: string) => `POST /t HTTP/1.1\r\nHost: e\r\nContent-Length: ${body.length}\r\n\r\n${body}`
const get = "GET /health HTTP/1.1\r\nHost: e\r\n\r\n"

describe("a kept-alive connection's requests", () => {
  it("pass whole, bodies of both framings included, however the bytes are split", () => {
    const chunked = "POST /t HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
    const input = sized("GET / HTTP/1.1\r\n\r\n") + chunked + get
    for (const step of [input.length, 1, 7]) expect(through(input, step)).toBe(input)
  })

  it("carry the first request's body as its framing says", () => {
    expect(through("{}\r\n\r\nGET", 1, { _tag: "length", bytes: 6 })).toBe("{}\r\n\r\n")
    expect(through("2\r\n{}\r\n0\r\n\r\n", 1, { _tag: "chunked" })).toBe("2\r\n{}\r\n0\r\n\r\n")
  })

  it("leave chunk extensions and trailer fields out", () => {
    const input = "POST /t HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n"
    const expected = "POST /t HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    for (const step of [input.length, 1]) expect(through(input + get, step)).toBe(expected + get)
  })

  it("have a chunk over the body limit cut at one byte over it, and nothing after it passed (uWS drops the connection on a size of 2^32 - 1)", () => {
    const head = "POST /t HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
    const over = "a".repeat(1025)
    for (const step of [1, 100, 5000])
      expect(through(`${head}ffffffffff;x=1\r\n${over}${"b".repeat(2000)}\r\n0\r\n\r\n${get}`, step)).toBe(`${head}401\r\n${over}`)
    // One byte over the limit is a chunk like any other (the route answers 413 for it).
    expect(through(`${head}401\r\n${over}\r\n0\r\n\r\n${get}`)).toBe(`${head}401\r\n${over}\r\n0\r\n\r\n${get}`)
  })

  it("have a later head rewritten as uWS takes it (HTTP/1.0)", () => {
    expect(through(`${get}GET /health HTTP/1.0\r\n\r\n`)).toBe(`${get}GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
  })

  it("have a refused later head passed on as the refusal request, and nothing after it", () => {
    const refused = "GET /health HTTP/1.1\r\nHost: e\r\nBad\r\n\r\n"
    const refusal = refusalRequest(
      { _tag: "refuse", status: 400, code: "validation_failed", message: 'headers: line 2 is not "name: value"' },
      SECRET,
    ).toString("latin1")
    for (const step of [1, 1000]) expect(through(get + refused + get, step)).toBe(get + refusal)
    expect(refusal.startsWith(`GET ${REFUSAL_PATH} HTTP/1.1\r\n`)).toBe(true)
    expect(carried(refusal)).toEqual({ status: 400, code: "validation_failed", message: 'headers: line 2 is not "name: value"' })
    expect(carried(through(`${get}GET /health HTTP/1.1\nHost: e\n\n`))).toMatchObject({
      status: 400,
      message: "request head: lines must end with CRLF (RFC 9112)",
    })
    expect(carried(through(`${get}GET /health HTTP/1.1\r\nX: ${"x".repeat(17_000)}`, 4096))).toMatchObject({
      status: 431,
      message: "headers: more than 16384 bytes",
    })
  })

  it("end the reading at an upgrade whose answer is not followed: the rest passes as it is", () => {
    const upgrade =
      "GET /ws HTTP/1.1\r\nHost: e\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    expect(through(`${get}${upgrade}\x81\x02{}BadHeader\r\n\r\n`)).toBe(`${get}${upgrade}\x81\x02{}BadHeader\r\n\r\n`)
  })

  it("stop at a chunk-size line they cannot read, passing nothing more, and say why (malformed)", () => {
    const cases = {
      "zz\r\n": 'body: chunk size "zz" is not a size in hex (RFC 9112 7.1)',
      "2\r\n{}\r\n-1\r\n": 'body: chunk size "-1" is not a size in hex (RFC 9112 7.1)',
      [`${"1".repeat(1025)}`]: "body: a chunk-size or trailer line over 1024 bytes",
      [`0\r\nX-T: ${"t".repeat(1025)}`]: "body: a chunk-size or trailer line over 1024 bytes",
    }
    for (const [body, message] of Object.entries(cases)) {
      const turns = new Turns()
      turns.sent("POST")
      const stream = new RequestStream({ _tag: "chunked" }, RULES, SECRET, turns, 1024)
      const out: Buffer[] = []
      const said: string[] = []
      stream.on("data", (chunk: Buffer) => out.push(chunk))
      stream.on("malformed", (why: string) => said.push(why))
      stream.write(Buffer.from(`${body}whatever\r\n${get}`, "latin1"))
      expect(said, body).toEqual([message])
      expect(Buffer.concat(out).toString("latin1"), body).toBe(
        body.startsWith("2\r\n") ? "2\r\n{}\r\n" : body.startsWith("0") ? "0\r\n" : "",
      )
    }
  })
})
