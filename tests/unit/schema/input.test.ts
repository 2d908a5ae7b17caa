// PROTOCOL.md's input rules as every boundary applies them (parseJsonInput, decodeJsonOr): UTF-8
// bytes, JSON, depth at most 64, no NUL or unpaired surrogate in strings or field names, finite
// numbers, unknown fields refused; and messages that never overflow the stack, whatever the input.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeJsonOr, decodeOr, parseJsonInput } from "../../../src/schema/errors.ts"
import { BotFrame, decodeFrame } from "../../../src/schema/frames.ts"
import { CreateTaskBody } from "../../../src/schema/http.ts"
import { ID, failure, message, value } from "./helpers.ts"

const nested = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`
const bytes = (...values: number[]) => new Uint8Array(values)

describe("UTF-8", () => {
  it("decodes valid bytes, from an ArrayBuffer or a Uint8Array", () => {
    const text = new TextEncoder().encode('{"name":"é😀"}')
    expect(value(parseJsonInput(text))).toEqual({ name: "é😀" })
    expect(value(parseJsonInput(text.buffer.slice(text.byteOffset, text.byteOffset + text.byteLength)))).toEqual({ name: "é😀" })
  })

  it("refuses invalid bytes rather than replacing them with U+FFFD", () => {
    expect(message(parseJsonInput(bytes(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d)))).toBe("body: invalid UTF-8")
    // An overlong "/" and a lone continuation byte.
    expect(message(parseJsonInput(bytes(0x22, 0xc0, 0xaf, 0x22)))).toBe("body: invalid UTF-8")
    expect(message(parseJsonInput(bytes(0x22, 0x80, 0x22)))).toBe("body: invalid UTF-8")
    // A surrogate encoded as UTF-8 (CESU) is not UTF-8 either.
    expect(message(parseJsonInput(bytes(0x22, 0xed, 0xa0, 0x80, 0x22)))).toBe("body: invalid UTF-8")
  })
})

describe("depth", () => {
  it("takes 64 levels and refuses 65, naming where", () => {
    expect(value(parseJsonInput(nested(64)))).toBeDefined()
    expect(message(parseJsonInput(nested(65)))).toBe("0.0.0.0.0.0.0.0.…: nested deeper than 64 levels")
    expect(message(parseJsonInput(`{"payload":{"result":${nested(63)}}}`))).toBe(
      "payload.result.0.0.0.0.0.0.…: nested deeper than 64 levels",
    )
    expect(value(parseJsonInput(`{"payload":{"result":${nested(62)}}}`))).toBeDefined()
  })

  it("refuses 1,000 and 1,000,000 levels without recursing", () => {
    expect(message(parseJsonInput(nested(1_000)))).toMatch(/nested deeper than 64 levels$/)
    expect(message(parseJsonInput(`{"a":${'{"a":'.repeat(1_000_000)}1${"}".repeat(1_000_000)}}`))).toBe(
      "a.a.a.a.a.a.a.a.…: nested deeper than 64 levels",
    )
  })
})

describe("characters", () => {
  it("refuses a NUL anywhere in a string", () => {
    expect(message(parseJsonInput('{"a":"x\\u0000y"}'))).toBe("a: holds a NUL character (\\u0000)")
    expect(message(parseJsonInput('{"a":[1,{"b":"\\u0000"}]}'))).toBe("a.1.b: holds a NUL character (\\u0000)")
    expect(message(parseJsonInput('"\\u0000"'))).toBe("body: holds a NUL character (\\u0000)")
  })

  it("refuses a field name holding a NUL or an unpaired surrogate", () => {
    expect(message(parseJsonInput('{"a":{"b\\u0000c":1}}'))).toBe('a: field name "b\\u0000c" holds a NUL character (\\u0000)')
    expect(message(parseJsonInput('{"\\udfff":1}'))).toBe('body: field name "\\udfff" holds an unpaired surrogate')
  })

  it("refuses unpaired surrogates, high or low, and takes valid pairs", () => {
    expect(message(parseJsonInput('["\\ud800"]'))).toBe("0: holds an unpaired surrogate")
    expect(message(parseJsonInput('["a\\udc00b"]'))).toBe("0: holds an unpaired surrogate")
    expect(message(parseJsonInput('["\\ude00\\ud83d"]'))).toBe("0: holds an unpaired surrogate")
    expect(value(parseJsonInput('["\\ud83d\\ude00", "😀", "\\u00e9"]'))).toEqual(["😀", "😀", "é"])
  })
})

describe("numbers", () => {
  it("refuses numbers JSON.parse turns into infinities", () => {
    expect(message(parseJsonInput('{"load":1e400}'))).toBe("load: expected a finite number, got Infinity")
    expect(message(parseJsonInput("[-1e999]"))).toBe("0: expected a finite number, got -Infinity")
  })

  it("refuses integers beyond the safe range where the schema wants an integer", () => {
    const text = JSON.stringify({ title: "t", capability: "c" }).replace("}", ',"timeout_s":12345678901234567890}')
    expect(message(decodeJsonOr(CreateTaskBody, text))).toBe("timeout_s: expected an integer, got 12345678901234567000")
  })
})

describe("unknown fields", () => {
  it("refuses a field the schema does not know, naming it: a typo is an error", () => {
    const body = JSON.stringify({ title: "t", capability: "c", timeout: 30 })
    expect(message(decodeJsonOr(CreateTaskBody, body))).toBe("timeout: unknown field")
    const frame = JSON.stringify({ type: "task_progress", id: "c-1", payload: { task_id: ID.a, progress: 0.5, mesage: "x" } })
    const error = failure(decodeFrame(BotFrame, frame))
    expect([error.message, error.ref]).toEqual(["payload.mesage: unknown field", "c-1"])
  })

  it("is lenient only for data the system stored itself (decodeOr)", () => {
    expect(value(decodeOr(CreateTaskBody, { title: "t", capability: "c", timeout: 30 })).title).toBe("t")
  })
})

describe("refs", () => {
  it("echo the frame id when the frame parsed, whatever was wrong", () => {
    const error = failure(decodeFrame(BotFrame, JSON.stringify({ type: "heartbeat", id: "c-9", payload: { status: "\u0000" } })))
    expect([error.message, error.ref]).toEqual(["payload.status: holds a NUL character (\\u0000)", "c-9"])
    expect(failure(decodeFrame(BotFrame, bytes(0xff))).ref).toBeUndefined()
  })
})

describe("task_progress", () => {
  it("caps the message at 1024 characters", () => {
    const frame = (message: string) => JSON.stringify({ type: "task_progress", payload: { task_id: ID.a, progress: 0.1, message } })
    expect(value(decodeFrame(BotFrame, frame("x".repeat(1024)))).type).toBe("task_progress")
    expect(message(decodeFrame(BotFrame, frame("x".repeat(1025))))).toMatch(
      /^payload\.message: expected a value with a length of at most 1024, got "x+…$/,
    )
  })
})

describe("messages", () => {
  it("are formatted without recursion for a frame nested 10,000 deep (decoded leniently, so no depth rule ran)", () => {
    let deep: unknown = "x"
    for (let i = 0; i < 10_000; i += 1) deep = [deep]
    expect(message(decodeOr(Schema.Struct({ type: Schema.Literal("a") }), deep))).toBe(`expected an object, got ${"[".repeat(79)}…`)
  })

  it("quote long and wide values cut short", () => {
    const wide = Array.from({ length: 100_000 }, (_, i) => i)
    expect(message(decodeOr(Schema.Struct({ a: Schema.String }), { a: wide }))).toMatch(/^a: expected a string, got \[0,1,2,.*…$/)
  })
})
