// Fuzzing the front door's hand-written reading of raw TCP (src/edge/http/front-door.ts and the streams beside it),
// against an in-process edge on real Redis and Postgres: FUZZ_N connections (seeded by FUZZ_SEED so a run repeats),
// each a random mix of requests (valid, HTTP/1.0, unknown methods, too many header fields, bare LF, preflights,
// `Expect: 100-continue`, bodies by Content-Length of any width and chunked with extensions, trailers, chunks over the
// body limit and sizes it cannot read), WebSocket upgrades at any request
// followed by random frames (masked or not, every opcode, extended lengths, over the quota), and random bytes, written
// in random pieces before the client ends its side. It asserts that every connection that starts with a request is
// answered, that every connection is closed by the edge soon after the client's end, that the process stays up, and
// that the edge then still serves HTTP and WebSockets and counts no connection of the fuzz against the address's
// limit. It prints the counts.
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../support/edge.ts"
import { integer, pick, randomBytes, randomText, seeded, type Random } from "./inputs.ts"

const N = Number(process.env.FUZZ_N ?? 2000) / 4
const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
/** Connections open at once (below the address's limit, which the end checks). */
const AT_ONCE = 8
const CONNECTIONS_PER_ADDRESS = 16
/** A connection the edge has not closed this long after the client's end fails the run. */
const CLOSE_MS = 15_000
const MAX_FRAME = 4 * 1024
const MAX_BODY = 16 * 1024

const counts = new Map<string, number>()
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

const KEY = "dGhlIHNhbXBsZSBub25jZQ=="

/** A WebSocket frame from the client: masked or not, any opcode, a payload of any length up to past the quota. */
const frame = (random: Random): Buffer => {
  const opcode = pick(random, [0x0, 0x1, 0x1, 0x2, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb])
  const fin = random() < 0.8 ? 0x80 : 0
  const rsv = random() < 0.05 ? 0x40 : 0
  const masked = random() < 0.9
  const payload = random() < 0.1 ? Buffer.alloc(MAX_FRAME + integer(random, 3 * MAX_FRAME), 0x61) : randomBytes(random, 200)
  const length =
    payload.length < 126
      ? Buffer.from([payload.length])
      : payload.length < 0x10000
        ? Buffer.from([126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([127]), Buffer.from(new BigUint64Array([BigInt(payload.length)]).buffer).reverse()])
  if (masked) length[0] = (length[0] as number) | 0x80
  const mask = masked ? randomBytes(random, 4).subarray(0, 4) : Buffer.alloc(0)
  const key = mask.length === 4 ? mask : Buffer.from([0, 0, 0, 0])
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ (key[i % 4] as number))) : payload
  return Buffer.concat([Buffer.from([fin | rsv | opcode]), length, masked ? key : Buffer.alloc(0), body])
}

/** One request, or an upgrade and its frames (then nothing but frames follow: the connection is a WebSocket). */
const message = (random: Random, token: string): { readonly bytes: Buffer; readonly upgrade: boolean; readonly request: boolean } => {
  const text = (value: string) => ({ bytes: Buffer.from(value, "latin1"), upgrade: false, request: true })
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-F${i}: ${i}\r\n`).join("")
  const body = randomText(random, 300)
  switch (integer(random, 16)) {
    case 0:
      return text("GET /health HTTP/1.1\r\nHost: e\r\n\r\n")
    case 1:
      return text("HEAD /health HTTP/1.1\r\nHost: e\r\n\r\n")
    case 2:
      return text(
        `POST /api/v1/tasks HTTP/1.1\r\nHost: e\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    case 3: {
      const chunks = Array.from({ length: integer(random, 4) }, () => {
        const piece = randomText(random, 40)
        const extension = random() < 0.3 ? `;${randomText(random, 10)}` : ""
        return `${Buffer.byteLength(piece).toString(16)}${extension}\r\n${piece}\r\n`
      }).join("")
      const trailers = random() < 0.3 ? "X-Sum: 1\r\n" : ""
      const size = random() < 0.1 ? "zz\r\n" : ""
      return text(`POST /api/v1/tasks HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n${size}${chunks}0\r\n${trailers}\r\n`)
    }
    case 4:
      return text("GET /health HTTP/1.0\r\n\r\n")
    case 5:
      return text(`GET /health HTTP/1.1\r\nHost: e\r\n${fields(40 + integer(random, 40))}\r\n`)
    case 6:
      return text(`${pick(random, ["PROPFIND", "BREW", "get", "G\u00e9T"])} /api/v1/agents HTTP/1.1\r\nHost: e\r\n\r\n`)
    case 7:
      return text("GET /health HTTP/1.1\nHost: e\n\n")
    case 8:
      return text(
        `GET /health HTTP/1.1\r\nHost: e\r\nContent-Length: ${pick(random, ["-1", "1e3", "99999999999999999999", "2, 3"])}\r\n\r\n`,
      )
    case 9:
    case 10: {
      const path = pick(random, [`/ws/events?topics=agents&token=${token}`, "/ws/events?topics=agents", `/ws/agent?token=${token}`])
      const version = random() < 0.9 ? "13" : "8"
      const head = `GET ${path} HTTP/1.1\r\nHost: e\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ${version}\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`
      const frames = Array.from({ length: integer(random, 6) }, () => frame(random))
      return { bytes: Buffer.concat([Buffer.from(head, "latin1"), ...frames]), upgrade: true, request: true }
    }
    case 12:
      return text(
        `POST /api/v1/tasks HTTP/1.1\r\nHost: e\r\nAuthorization: Bearer ${token}\r\nExpect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    case 13:
      return text(
        `OPTIONS /api/v1/tasks HTTP/1.1\r\nHost: e\r\nOrigin: http://elsewhere\r\nAccess-Control-Request-Method: POST\r\n${pick(random, ["", "Connection: close\r\n"])}\r\n`,
      )
    case 14:
      return text(
        `POST /api/v1/tasks HTTP/1.1\r\nHost: e\r\nContent-Length: ${pick(random, ["0000000002", "00000000000000000002", "12345678901"])}\r\n\r\n{}`,
      )
    case 15: {
      // A chunk over the body limit, as much of it as takes the body past the limit.
      const size = pick(random, ["ffffffffff", (MAX_BODY + 2).toString(16)])
      return text(`POST /api/v1/tasks HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${"x".repeat(MAX_BODY + 2)}`)
    }
    default:
      return { bytes: randomBytes(random, 400), upgrade: false, request: false }
  }
}

/** How long the edge may stay quiet before the client ends its side (answers come before that). */
const QUIET_MS = 150

/** Writes `bytes` in random pieces, reads what the edge answers until it is quiet, then ends; resolves with whether
 * anything was answered and how long the edge took to close after the end (0: it closed first), or rejects. */
const exchange = (port: number, random: Random, bytes: Buffer): Promise<{ readonly answered: boolean; readonly closeMs: number }> =>
  new Promise((resolve, reject) => {
    const cuts = Array.from({ length: integer(random, 4) }, () => integer(random, bytes.length)).sort((a, b) => a - b)
    const pieces = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end))
    const socket = connect(port, "127.0.0.1")
    let endedAt = 0
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the edge did not close the connection within ${CLOSE_MS} ms of the client's end`))
    }, CLOSE_MS + 10_000)
    let quiet: NodeJS.Timeout | undefined
    const endWhenQuiet = () => {
      clearTimeout(quiet)
      quiet = setTimeout(() => {
        endedAt = Date.now()
        socket.end()
      }, QUIET_MS)
    }
    let answered = false
    socket.on("data", () => {
      answered = true
      if (quiet !== undefined) endWhenQuiet()
    })
    socket.on("error", () => count("reset"))
    socket.on("close", () => {
      clearTimeout(timer)
      clearTimeout(quiet)
      count(answered ? "answered" : "closed unanswered")
      count(endedAt === 0 ? "closed by the edge" : "closed after the client's end")
      resolve({ answered, closeMs: endedAt === 0 ? 0 : Date.now() - endedAt })
    })
    socket.once("connect", () => {
      const write = (i: number) => {
        if (socket.destroyed) return
        if (i === pieces.length) return endWhenQuiet()
        socket.write(pieces[i] as Buffer)
        setTimeout(() => write(i + 1), integer(random, 3))
      }
      write(0)
    })
  })

describe("fuzzing the front door", () => {
  let t: TestEdge
  beforeAll(async () => {
    t = await testEdge({
      limits: { connectionsPerAddress: CONNECTIONS_PER_ADDRESS, maxPayloadBytes: MAX_BODY },
      edge: { quotas: { maxFrameBytes: MAX_FRAME } },
    })
  })
  afterAll(async () => {
    await t?.close()
  })

  it(`answers every request, closes every connection of random requests, upgrades and frames, and serves on (FUZZ_N=${N * 4}, FUZZ_SEED=${SEED})`, async () => {
    const random = seeded(SEED)
    const connections = Array.from({ length: N }, () => {
      const messages = Array.from({ length: 1 + integer(random, 4) }, () => message(random, t.operatorToken))
      const upgrade = messages.findIndex((one) => one.upgrade)
      for (const one of messages) count(one.upgrade ? "upgrade" : "request")
      // Once upgraded, only frames follow: what comes after an upgrade message is left out.
      const bytes = Buffer.concat((upgrade < 0 ? messages : messages.slice(0, upgrade + 1)).map((one) => one.bytes))
      // A connection that starts with a request (not random bytes, which may never end a head) is answered.
      return { bytes, request: messages[0]?.request === true }
    })
    const outcomes: Array<{ readonly answered: boolean; readonly closeMs: number; readonly request: boolean; readonly bytes: Buffer }> = []
    for (let at = 0; at < connections.length; at += AT_ONCE) {
      const batch = connections.slice(at, at + AT_ONCE)
      const done = await Promise.all(batch.map(async (one) => ({ ...one, ...(await exchange(t.edge.port, random, one.bytes)) })))
      outcomes.push(...done)
    }
    const slowest = Math.max(...outcomes.map((outcome) => outcome.closeMs))
    console.log("front door fuzz:", Object.fromEntries(counts), "slowest close after the end (ms):", slowest)
    expect(slowest).toBeLessThan(CLOSE_MS)
    const unanswered = outcomes.filter((outcome) => outcome.request && !outcome.answered)
    expect(unanswered.map((outcome) => outcome.bytes.toString("latin1", 0, 200))).toEqual([])

    // Still serving: HTTP, and as many connections from this address as its limit allows (none of the fuzz's counted).
    expect((await fetch(`${t.url}/health`)).status).toBe(200)
    const held = await Promise.all(
      Array.from(
        { length: CONNECTIONS_PER_ADDRESS },
        () =>
          new Promise<string>((resolve, reject) => {
            const socket = connect(t.edge.port, "127.0.0.1", () =>
              socket.write(
                `GET /ws/events?topics=agents&token=${t.operatorToken} HTTP/1.1\r\nHost: e\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n\r\n`,
              ),
            )
            socket.once("data", (chunk: Buffer) => {
              resolve(chunk.toString("latin1", 0, 12))
              socket.destroy()
            })
            socket.on("error", reject)
          }),
      ),
    )
    expect(held).toEqual(Array.from({ length: CONNECTIONS_PER_ADDRESS }, () => "HTTP/1.1 101"))
  })
})
