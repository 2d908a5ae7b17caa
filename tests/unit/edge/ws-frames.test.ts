// The front door's pass over a client's WebSocket frames (src/edge/http/ws-frames.ts): text messages go
// on as binary (uWS checks no UTF-8 in those, the handler does), a message over the quota is cut to one
// byte over it and ended, the rest of it dropped; an unmasked frame becomes a close 1002, nothing after it passed; control frames and the masking pass unchanged; headers
// split across reads are handled. The whole path through uWS: tests/e2e/sockets/conformance/hostile-frames.ts.
import { randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { ClientFrames, PROTOCOL_ERROR, UNMASKED_REASON } from "../../../src/edge/http/ws-frames.ts"

interface Frame {
  readonly fin: boolean
  readonly opcode: number
  readonly payload: Buffer
}

/** A masked client frame; `announced` writes another length in the header than the payload's. */
const frame = (opcode: number, payload: Buffer | string, { fin = true, announced }: { fin?: boolean; announced?: number } = {}) => {
  const body = Buffer.from(payload)
  const length = announced ?? body.length
  const mask = randomBytes(4)
  let head: Buffer
  if (length < 126) head = Buffer.from([0, 0x80 | length])
  else if (length < 0x10000) {
    head = Buffer.alloc(4)
    head[1] = 0x80 | 126
    head.writeUInt16BE(length, 2)
  } else {
    head = Buffer.alloc(10)
    head[1] = 0x80 | 127
    head.writeBigUInt64BE(BigInt(length), 2)
  }
  head[0] = (fin ? 0x80 : 0) | opcode
  return Buffer.concat([head, mask, body.map((byte, i) => byte ^ (mask[i % 4] as number))])
}

/** Reads frames as uWS would (unmasking them); throws on a truncated one. */
const readFrames = (bytes: Buffer): Frame[] => {
  const frames: Frame[] = []
  let at = 0
  while (at < bytes.length) {
    const first = bytes[at] as number
    const second = bytes[at + 1] as number
    let length = second & 0x7f
    let offset = at + 2
    if (length === 126) {
      length = bytes.readUInt16BE(offset)
      offset += 2
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset))
      offset += 8
    }
    expect(second & 0x80).toBe(0x80)
    const mask = bytes.subarray(offset, offset + 4)
    offset += 4
    if (offset + length > bytes.length) throw new Error(`frame at ${at} is truncated`)
    const payload = Buffer.from(bytes.subarray(offset, offset + length).map((byte, i) => byte ^ (mask[i % 4] as number)))
    frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload })
    at = offset + length
  }
  return frames
}

/** What the filter passes on for `input`, fed in reads of `step` bytes. */
const through = (max: number, input: Buffer, step = input.length): Buffer => {
  const frames = new ClientFrames(max)
  const out: Buffer[] = []
  // A copy: the filter changes opcodes in the chunks it is given.
  const bytes = Buffer.from(input)
  for (let at = 0; at < bytes.length; at += step) out.push(...frames.push(bytes.subarray(at, at + step)))
  return Buffer.concat(out)
}

describe("the front door's pass over client frames", () => {
  it("passes a text message on as binary, bytes unchanged, and binary and control frames as they are", () => {
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d])
    const input = Buffer.concat([frame(1, notUtf8), frame(2, "{}"), frame(9, "ping"), frame(8, Buffer.from([0x03, 0xe8]))])
    expect(readFrames(through(1024, input))).toEqual([
      { fin: true, opcode: 2, payload: notUtf8 },
      { fin: true, opcode: 2, payload: Buffer.from("{}") },
      { fin: true, opcode: 9, payload: Buffer.from("ping") },
      { fin: true, opcode: 8, payload: Buffer.from([0x03, 0xe8]) },
    ])
    // Whole frames within the quota: the chunk itself is passed on (changed in place), nothing copied.
    const chunk = Buffer.from(input)
    const passed = new ClientFrames(1024).push(chunk)
    expect(passed).toHaveLength(1)
    expect(passed[0]).toBe(chunk)
  })

  it("turns a fragmented text message into a binary one, control frames between fragments kept", () => {
    const input = Buffer.concat([frame(1, '{"a":', { fin: false }), frame(10, "pong"), frame(0, '"\xff"}')])
    expect(readFrames(through(1024, input, 1)).map(({ fin, opcode }) => ({ fin, opcode }))).toEqual([
      { fin: false, opcode: 2 },
      { fin: true, opcode: 10 },
      { fin: true, opcode: 0 },
    ])
  })

  it("replaces an unmasked frame by a close 1002 naming why, and drops all the client sends after it, however it is split", () => {
    const unmasked = Buffer.from([0x81, 5, ...Buffer.from("hello")])
    const input = Buffer.concat([frame(2, "{}"), unmasked, frame(2, "after"), frame(9, "ping")])
    const expected = [
      { fin: true, opcode: 2, payload: Buffer.from("{}") },
      { fin: true, opcode: 8, payload: Buffer.concat([Buffer.from([0x03, 0xea]), Buffer.from(UNMASKED_REASON)]) },
    ]
    for (const step of [input.length, 1, 3]) expect(readFrames(through(1024, input, step))).toEqual(expected)
    expect(PROTOCOL_ERROR).toBe(0x03ea)
  })

  it("handles headers and payloads split at every byte", () => {
    const input = Buffer.concat([frame(1, "x".repeat(200)), frame(2, "y".repeat(7_000)), frame(1, "z")])
    expect(through(100_000, input, 1)).toEqual(through(100_000, input))
    expect(readFrames(through(100_000, input, 7)).map((f) => f.payload.length)).toEqual([200, 7_000, 1])
  })

  it("cuts a frame over the quota to one byte over it, ended, and drops the rest, whatever length it announced", () => {
    // A header announcing 1 GiB, followed by some of its payload, then the next frames the client sends.
    const announced = frame(1, "p".repeat(5_000), { announced: 1024 ** 3 })
    for (const step of [1, 333, announced.length]) {
      const out = readFrames(through(1024, Buffer.concat([announced]), step))
      expect(out).toEqual([{ fin: true, opcode: 2, payload: Buffer.from("p".repeat(1025)) }])
    }
    const whole = Buffer.concat([frame(2, "q".repeat(3_000)), frame(2, "{}"), frame(8, "")])
    expect(readFrames(through(1024, whole, 100))).toEqual([
      { fin: true, opcode: 2, payload: Buffer.from("q".repeat(1025)) },
      { fin: true, opcode: 2, payload: Buffer.from("{}") },
      { fin: true, opcode: 8, payload: Buffer.alloc(0) },
    ])
  })

  it("cuts a fragmented message where its fragments pass the quota, and drops its later fragments", () => {
    const input = Buffer.concat([
      frame(1, "a".repeat(600), { fin: false }),
      frame(0, "b".repeat(600), { fin: false }),
      frame(9, "ping"),
      frame(0, "c".repeat(600), { fin: false }),
      frame(0, "d".repeat(600)),
      frame(2, "next"),
    ])
    expect(readFrames(through(1024, input, 50))).toEqual([
      { fin: false, opcode: 2, payload: Buffer.from("a".repeat(600)) },
      { fin: true, opcode: 0, payload: Buffer.from("b".repeat(425)) },
      { fin: true, opcode: 9, payload: Buffer.from("ping") },
      { fin: true, opcode: 2, payload: Buffer.from("next") },
    ])
  })

  it("lets a message of exactly the quota through whole", () => {
    const input = frame(1, "e".repeat(1024))
    expect(readFrames(through(1024, input))).toEqual([{ fin: true, opcode: 2, payload: Buffer.from("e".repeat(1024)) }])
  })
})
