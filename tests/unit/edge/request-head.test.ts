// The front door's judgement of a request head (src/edge/http/request-head.ts): each head uWS would drop
// without an answer, take when it must not, or frame another way than a proxy, refused with its exact status and
// message; heads uWS can take passed on with their body's framing, HTTP/1.0 rewritten, a wide head cut to the fields the edge reads.
import { describe, expect, it } from "vitest"
import { headEnd, judgeHead } from "../../../src/edge/http/request-head.ts"

const methodsOf = (path: string) => (path === "/api/v1/agents" ? ["POST", "GET"] : undefined)
const judge = (...lines: string[]) => judgeHead(lines.join("\r\n"), { methodsOf, maxBodyBytes: 1024 })
const refusal = (...lines: string[]) => {
  const verdict = judge(...lines)
  return verdict._tag === "refuse" ? `${verdict.status} ${verdict.message}` : "forward"
}

describe("a first request head", () => {
  it("is passed on as it is when uWS can take it", () => {
    const head = ["POST /api/v1/tasks HTTP/1.1", "Host: edge", "Content-Length: 2", "X-Note: café\tdone"]
    expect(judge(...head)).toEqual({
      _tag: "forward",
      method: "POST",
      head: head.join("\r\n"),
      upgrade: false,
      body: { _tag: "length", bytes: 2 },
    })
    expect(judge("POST /x HTTP/1.1", "Host: edge", "Transfer-Encoding: chunked")).toMatchObject({ body: { _tag: "chunked" } })
    expect(judge("POST /x HTTP/1.1", "Host: edge", "Content-Length: 0")).toMatchObject({ body: { _tag: "none" } })
  })

  it("is refused 400 when a field line is not name: value, holds a control character, or is folded", () => {
    expect(refusal("GET /health HTTP/1.1", "Host: edge", "BadHeader")).toBe('400 headers: line 2 is not "name: value"')
    expect(refusal("GET /health HTTP/1.1", "Host: edge", "Bad Header: 1")).toBe('400 headers: line 2 is not "name: value"')
    expect(refusal("GET /health HTTP/1.1", "Host: edge", "X-A: a\u0001b")).toBe("400 headers: X-A holds a control character")
    expect(refusal("GET /health HTTP/1.1", "Host: edge", "X-A: a\nX-B: b")).toBe("400 headers: X-A holds a control character")
    expect(refusal("GET /health HTTP/1.1", "Host: edge", "X-A: 1", "  more")).toBe(
      "400 headers: line 3 is folded onto the one before (obsolete line folding is not taken)",
    )
  })

  it("is refused 400 without exactly one Host in HTTP/1.1, and given one in HTTP/1.0", () => {
    expect(refusal("GET /health HTTP/1.1")).toBe("400 headers: Host is missing (HTTP/1.1 requires it)")
    expect(refusal("GET /health HTTP/1.1", "Host: a", "Host: b")).toBe("400 headers: Host is given more than once")
    expect(judge("GET /health HTTP/1.0", "Connection: keep-alive")).toEqual({
      _tag: "forward",
      method: "GET",
      head: "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close",
      upgrade: false,
      body: { _tag: "none" },
    })
  })

  it("is refused 400 when its body could be framed two ways", () => {
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Content-Length: 2", "Transfer-Encoding: chunked")).toBe(
      "400 headers: both Content-Length and Transfer-Encoding; send one",
    )
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Content-Length: 2", "Content-Length: 3")).toBe(
      "400 headers: Content-Length given as 2 and 3",
    )
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Content-Length: 2x")).toBe('400 headers: Content-Length "2x" is not a number of bytes')
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Transfer-Encoding: gzip, chunked")).toBe(
      '400 headers: Transfer-Encoding "gzip, chunked"; only chunked is taken',
    )
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Content-Length: 2", "Content-Length: 2")).toBe("forward")
  })

  it("has a Content-Length of more than nine digits (uWS drops the connection on one) refused 413 over the body limit, passed on as its number within it", () => {
    expect(refusal("POST /x HTTP/1.1", "Host: e", "Content-Length: 99999999999999999999")).toBe("413 body: larger than 1024 bytes")
    expect(refusal("GET /x HTTP/1.1", "Host: e", "Content-Length: 1000000000")).toBe("413 body: larger than 1024 bytes")
    expect(judge("POST /x HTTP/1.1", "Host: e", "Content-Length: 0000000010", "X: y")).toMatchObject({
      head: "POST /x HTTP/1.1\r\nHost: e\r\nX: y\r\nContent-Length: 10",
      body: { _tag: "length", bytes: 10 },
    })
    expect(judge("POST /x HTTP/1.1", "Host: e", "Content-Length: 999999999")).toMatchObject({
      head: "POST /x HTTP/1.1\r\nHost: e\r\nContent-Length: 999999999",
      body: { _tag: "length", bytes: 999_999_999 },
    })
  })

  it("keeps its other refusals: request line, field count, method, WebSocket version", () => {
    expect(refusal("GET /health")).toBe('400 request line: expected "<METHOD> <path> HTTP/1.1"')
    const many = Array.from({ length: 65 }, (_, i) => `X-${i}: ${i}`)
    expect(refusal("GET /health HTTP/1.1", ...many)).toBe("431 headers: 65 fields, more than 64")
    expect(refusal("PROPFIND /api/v1/agents HTTP/1.1", "Host: e")).toBe(
      "405 PROPFIND /api/v1/agents: method not allowed (allowed: POST, GET, OPTIONS)",
    )
    expect(refusal("GET /ws/events HTTP/1.1", "Host: e", "Upgrade: websocket", "Sec-WebSocket-Version: 8")).toBe(
      '426 sec-websocket-version: "8"; this edge speaks version 13 (RFC 6455)',
    )
  })

  it("passes 49 to 64 fields on as the fields the edge reads", () => {
    const many = Array.from({ length: 50 }, (_, i) => `X-${i}: ${i}`)
    expect(judge("GET /health HTTP/1.1", "Host: e", ...many, "Authorization: Bearer t")).toEqual({
      _tag: "forward",
      method: "GET",
      head: "GET /health HTTP/1.1\r\nHost: e\r\nAuthorization: Bearer t",
      upgrade: false,
      body: { _tag: "none" },
    })
  })
})

describe("the end of a head", () => {
  it("is its blank line, not yet come, or a bare LF the head is refused for", () => {
    expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nHost: e\r\n\r\nbody"))).toBe(23)
    expect(headEnd(Buffer.from("GET / HTTP/1.1\r\nHost: e\r\n"))).toBe(-1)
    expect(headEnd(Buffer.from("GET / HTTP/1.1\nHost: e\n\n"))).toBe("bare_lf")
  })
})
