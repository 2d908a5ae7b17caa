// The bench's Postgres proxy counts statements and returned rows by cutting each direction of a
// connection into protocol messages: messages split across chunks, several in one chunk, large
// bodies skipped, the untyped startup and SSL request.
import { describe, expect, it } from "vitest"
import { MessageScanner, rowsReturned } from "../../../bench/support/pg-wire.ts"

const typed = (type: string, body: string | Buffer): Buffer => {
  const bytes = typeof body === "string" ? Buffer.from(`${body}\0`) : body
  const head = Buffer.alloc(5)
  head.write(type, 0)
  head.writeInt32BE(bytes.length + 4, 1)
  return Buffer.concat([head, bytes])
}

const untyped = (code: number, rest = Buffer.alloc(0)): Buffer => {
  const head = Buffer.alloc(8)
  head.writeInt32BE(8 + rest.length, 0)
  head.writeInt32BE(code, 4)
  return Buffer.concat([head, rest])
}

const collect = (isTyped: boolean, wanted = (type: number) => type === "C".charCodeAt(0)) => {
  const seen: Array<[string, string | undefined]> = []
  const scanner = new MessageScanner(isTyped, wanted, (type, body) => seen.push([String.fromCharCode(type), body?.toString("utf8")]))
  return { scanner, seen }
}

describe("MessageScanner", () => {
  it("finds every message when chunks cut through headers and bodies", () => {
    const { scanner, seen } = collect(true)
    const stream = Buffer.concat([typed("C", "INSERT 0 3"), typed("Z", "I"), typed("C", "SELECT 12")])
    for (let at = 0; at < stream.length; at += 3) scanner.push(stream.subarray(at, at + 3))
    expect(seen).toEqual([
      ["C", "INSERT 0 3\0"],
      ["Z", undefined],
      ["C", "SELECT 12\0"],
    ])
  })

  it("skips a large body it does not need, even when it spans chunks, and reads on after it", () => {
    const { scanner, seen } = collect(true)
    const big = typed("D", Buffer.alloc(100_000, 1))
    const stream = Buffer.concat([big, typed("C", "SELECT 1")])
    scanner.push(stream.subarray(0, 10))
    scanner.push(stream.subarray(10, 60_000))
    scanner.push(stream.subarray(60_000))
    expect(seen).toEqual([
      ["D", undefined],
      ["C", "SELECT 1\0"],
    ])
  })

  it("reads the client's untyped startup, then typed messages", () => {
    const { scanner, seen } = collect(false, () => false)
    scanner.push(Buffer.concat([untyped(196608, Buffer.from("user\0postgres\0\0")), typed("Q", "select 1")]))
    expect(seen.map(([type]) => type)).toEqual(["\0", "Q"])
  })

  it("after an SSL request, expects another untyped message and skips the server's one-byte answer", () => {
    const SSL_REQUEST = 80877103
    const clientTypes: number[] = []
    const client = new MessageScanner(
      false,
      () => false,
      (type) => clientTypes.push(type),
    )
    const server = collect(true)
    client.push(untyped(SSL_REQUEST))
    server.scanner.expectRaw(1)
    server.scanner.push(Buffer.concat([Buffer.from("N"), typed("C", "SELECT 2")]))
    client.push(Buffer.concat([untyped(196608), typed("Q", "select 2")]))
    expect(server.seen).toEqual([["C", "SELECT 2\0"]])
    expect(clientTypes).toEqual([SSL_REQUEST, 0, "Q".charCodeAt(0)])
  })
})

describe("rowsReturned", () => {
  it("counts the rows of SELECT and FETCH tags only", () => {
    expect(rowsReturned("SELECT 12\0")).toBe(12)
    expect(rowsReturned("FETCH 5")).toBe(5)
    expect(rowsReturned("INSERT 0 7")).toBe(0)
    expect(rowsReturned("COMMIT")).toBe(0)
  })
})
