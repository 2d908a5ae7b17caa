// uWS's answers read on their way back through the front door (src/edge/http/answer-stream.ts): passed on unchanged,
// each one's end found however its bytes are split (Content-Length, chunked with trailers, interim 1xx, 204, a HEAD's
// answer with no body); a kept-alive connection's next request reaches uWS only once the answer before it is complete,
// and an answer that cannot be framed ends the holding; after a 101, at the first request or a later one, the client's
// bytes pass as WebSocket frames through their filter.
import { describe, expect, it } from "vitest"
import { AnswerStream, Turns } from "../../../src/edge/http/answer-stream.ts"
import { RequestStream } from "../../../src/edge/http/request-stream.ts"
import { UNMASKED_REASON } from "../../../src/edge/http/ws-frames.ts"

const RULES = { methodsOf: () => undefined, maxBodyBytes: 1024 }

/** Feeds `input` to an AnswerStream in reads of `step` bytes; what it passed on and the answers left due after. */
const answer = (turns: Turns, input: string, step = input.length): string => {
  const stream = new AnswerStream(turns)
  const out: Buffer[] = []
  stream.on("data", (chunk: Buffer) => out.push(chunk))
  const bytes = Buffer.from(input, "latin1")
  for (let at = 0; at < bytes.length; at += step) stream.write(bytes.subarray(at, at + step))
  return Buffer.concat(out).toString("latin1")
}

/** How many requests still wait for their answer (counted by answering them). */
const due = (turns: Turns): number => {
  let n = 0
  for (; turns.next() !== undefined; n++) turns.answered()
  return n
}

const sent = (...methods: string[]): Turns => {
  const turns = new Turns()
  for (const method of methods) turns.sent(method)
  return turns
}

describe("uWS's answers", () => {
  const sized = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
  const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
  const interim = "HTTP/1.1 100 Continue\r\n\r\n"
  const empty = "HTTP/1.1 204 No Content\r\n\r\n"

  it("pass unchanged, each counted once complete, however they are split", () => {
    const input = sized + interim + chunked + empty
    for (const step of [input.length, 1, 5]) {
      const turns = sent("GET", "POST", "OPTIONS", "GET")
      expect(answer(turns, input, step)).toBe(input)
      // Three answers (the 100 is not one): the fourth request still waits for its own.
      expect(due(turns)).toBe(1)
    }
  })

  it("count a HEAD's answer at its head: it has no body, whatever its Content-Length", () => {
    const turns = sent("HEAD", "GET")
    answer(turns, `HTTP/1.1 404 Not Found\r\nContent-Length: 92\r\n\r\n${sized}`)
    expect(due(turns)).toBe(0)
  })

  it("hold nothing more once an answer cannot be framed (an upgrade, or one ending at the close)", () => {
    for (const head of ["HTTP/1.1 101 Switching Protocols\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nuntil the end"]) {
      const turns = sent("GET", "GET")
      answer(turns, head)
      expect(turns.next()).toBeUndefined()
      turns.sent("GET")
      expect(turns.next()).toBeUndefined()
    }
  })
})

describe("a kept-alive connection's next request", () => {
  it("reaches uWS only once the answer before it is complete", () => {
    const turns = sent("GET")
    const requests = new RequestStream({ _tag: "none" }, RULES, "secret", turns, 1024)
    const passed: string[] = []
    requests.on("data", (chunk: Buffer) => passed.push(chunk.toString("latin1")))
    const second = "GET /b HTTP/1.1\r\nHost: e\r\n\r\n"
    requests.write(Buffer.from(second + second, "latin1"))
    expect(passed.join("")).toBe("")
    const answers = new AnswerStream(turns)
    answers.write(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{", "latin1"))
    expect(passed.join("")).toBe("")
    answers.write(Buffer.from("}", "latin1"))
    expect(passed.join("")).toBe(second)
    answers.write(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "latin1"))
    expect(passed.join("")).toBe(second + second)
  })

  const upgrade =
    "GET /ws HTTP/1.1\r\nHost: e\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
  /** `{}` as a masked text frame (zero key), and as the binary frame the filter passes on. */
  const text = "\x81\x82\0\0\0\0{}"
  const binary = "\x82\x82\0\0\0\0{}"

  /** A connection whose first request was a plain GET, its stream, what it passed on, and whether it upgraded. */
  const keptAlive = () => {
    const turns = sent("GET")
    const requests = new RequestStream({ _tag: "none" }, RULES, "secret", turns, 1024)
    const passed: string[] = []
    let upgraded = false
    requests.on("data", (chunk: Buffer) => passed.push(chunk.toString("latin1")))
    requests.once("upgraded", () => (upgraded = true))
    const answers = new AnswerStream(turns)
    const answer = (text: string) => answers.write(Buffer.from(text, "latin1"))
    return { requests, passed: () => passed.join(""), upgraded: () => upgraded, answer }
  }

  it("that upgrades has what follows held until uWS answers 101, then passed as WebSocket frames through their filter", () => {
    const connection = keptAlive()
    connection.requests.write(Buffer.from(upgrade + text, "latin1"))
    connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    expect(connection.passed()).toBe(upgrade)
    expect(connection.upgraded()).toBe(false)
    connection.answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
    // The text frame reaches uWS as a binary one (uWS would drop a text frame that is not UTF-8 without a close).
    expect(connection.passed()).toBe(upgrade + binary)
    expect(connection.upgraded()).toBe(true)
    // An unmasked frame becomes the client's close 1002 naming why.
    connection.requests.write(Buffer.from("\x81\x02{}", "latin1"))
    expect(connection.passed().slice(upgrade.length + binary.length)).toBe(
      `\x88${String.fromCharCode(0x80 | (2 + UNMASKED_REASON.length))}\0\0\0\0\x03\xea${UNMASKED_REASON}`,
    )
  })

  it("that asks to upgrade and is answered otherwise has the requests after it judged as before", () => {
    const connection = keptAlive()
    connection.answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    connection.requests.write(Buffer.from(`${upgrade}GET /c HTTP/1.0\r\n\r\n`, "latin1"))
    connection.answer("HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}")
    expect(connection.passed()).toBe(`${upgrade}GET /c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
    expect(connection.upgraded()).toBe(false)
  })

  it("that upgrades first has its frames filtered alike", () => {
    const turns = sent("GET")
    const requests = new RequestStream({ _tag: "upgrade" }, RULES, "secret", turns, 1024)
    const passed: string[] = []
    requests.on("data", (chunk: Buffer) => passed.push(chunk.toString("latin1")))
    requests.write(Buffer.from(text, "latin1"))
    expect(passed.join("")).toBe("")
    new AnswerStream(turns).write(Buffer.from("HTTP/1.1 101 Switching Protocols\r\n\r\n", "latin1"))
    expect(passed.join("")).toBe(binary)
  })
})
