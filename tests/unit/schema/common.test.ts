// Shared primitives: what each accepts, and the exact message for what it refuses.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  ActorKind,
  ActorRef,
  ActorRefParts,
  Capability,
  HealthStatus,
  IsoTime,
  Json,
  JsonObject,
  Load,
  Priority,
  Progress,
  StreamId,
  Uuid,
  actorRef,
  parseActorRef,
} from "../../../src/schema/common.ts"
import { decodeOr } from "../../../src/schema/errors.ts"
import { ID, message, value } from "./helpers.ts"

describe("Uuid", () => {
  it("accepts a UUID and names what it expected otherwise", () => {
    expect(value(decodeOr(Uuid, ID.a))).toBe(ID.a)
    expect(message(decodeOr(Uuid, "x"))).toBe('expected a UUID, got "x"')
    expect(message(decodeOr(Uuid, 7))).toBe("expected a string, got 7")
  })
})

describe("IsoTime", () => {
  it("accepts UTC times with or without fractions", () => {
    expect(value(decodeOr(IsoTime, "2026-11-21T10:00:00Z"))).toBe("2026-11-21T10:00:00Z")
    expect(value(decodeOr(IsoTime, "2026-11-21T10:00:00.123Z"))).toBe("2026-11-21T10:00:00.123Z")
  })

  it("refuses other shapes, offsets and impossible dates", () => {
    const expected = "expected an ISO-8601 UTC time like 2026-11-21T10:00:00Z"
    expect(message(decodeOr(IsoTime, "2026-11-21 10:00:00"))).toBe(`${expected}, got "2026-11-21 10:00:00"`)
    expect(message(decodeOr(IsoTime, "2026-11-21T10:00:00+01:00"))).toBe(`${expected}, got "2026-11-21T10:00:00+01:00"`)
    expect(message(decodeOr(IsoTime, "2026-13-45T10:00:00Z"))).toBe(`${expected}, got "2026-13-45T10:00:00Z"`)
  })
})

describe("Priority", () => {
  it("is an integer from 0 to 4", () => {
    for (const p of [0, 2, 4]) expect(value(decodeOr(Priority, p))).toBe(p)
    expect(message(decodeOr(Priority, 5))).toBe("expected a value between 0 and 4, got 5")
    expect(message(decodeOr(Priority, 1.5))).toBe("expected an integer, got 1.5")
  })
})

describe("Capability", () => {
  it("accepts lowercase names of a-z, 0-9, _ . : - up to 64 characters", () => {
    for (const c of ["code", "code.review:v2", "a-b_c", "x".repeat(64)]) expect(value(decodeOr(Capability, c))).toBe(c)
  })

  it("refuses empty, uppercase, other characters and long names", () => {
    const expected = "expected a capability (1 to 64 characters of a-z, 0-9, _ . : -)"
    expect(message(decodeOr(Capability, ""))).toBe(`${expected}, got ""`)
    expect(message(decodeOr(Capability, "Code"))).toBe(`${expected}, got "Code"`)
    expect(message(decodeOr(Capability, "a b"))).toBe(`${expected}, got "a b"`)
    expect(decodeOr(Capability, "x".repeat(65)).ok).toBe(false)
  })
})

describe("ActorKind and ActorRef", () => {
  it("lists the three kinds", () => {
    expect(message(decodeOr(ActorKind, "robot"))).toBe('expected one of "session", "task", "agent", "context", got "robot"')
  })

  it("parses and formats kind:id", () => {
    expect(parseActorRef(`task:${ID.a}`)).toEqual({ kind: "task", id: ID.a })
    expect(actorRef("agent", ID.b)).toBe(`agent:${ID.b}`)
    for (const bad of [`robot:${ID.a}`, "task:x", ID.a, `:${ID.a}`]) expect(parseActorRef(bad)).toBeUndefined()
  })

  it("decodes to parts and encodes back to the same text", () => {
    const parts = value(decodeOr(ActorRefParts, `session:${ID.c}`))
    expect(parts).toEqual({ kind: "session", id: ID.c })
    expect(Schema.encodeSync(ActorRefParts)(parts)).toBe(`session:${ID.c}`)
    expect(message(decodeOr(ActorRef, "task:1"))).toBe('expected an actor reference <session|task|agent|context>:<uuid>, got "task:1"')
  })
})

describe("StreamId", () => {
  it("is <ms>-<seq>", () => {
    expect(value(decodeOr(StreamId, "1732185600000-3"))).toBe("1732185600000-3")
    expect(message(decodeOr(StreamId, "1732185600000"))).toBe('expected a stream id like 1732185600000-3, got "1732185600000"')
  })

  it("holds parts Redis can hold: unsigned 64-bit integers", () => {
    const largest = "18446744073709551615-18446744073709551615"
    expect(value(decodeOr(StreamId, largest))).toBe(largest)
    expect(message(decodeOr(StreamId, "1-18446744073709551616"))).toBe(
      'expected each part at most 18446744073709551615, got "1-18446744073709551616"',
    )
  })
})

describe("Progress, Load and HealthStatus", () => {
  it("keeps progress within [0, 1]", () => {
    for (const p of [0, 0.5, 1]) expect(value(decodeOr(Progress, p))).toBe(p)
    expect(message(decodeOr(Progress, 1.5))).toBe("expected a value between 0 and 1, got 1.5")
    expect(message(decodeOr(Progress, Number.NaN))).toBe("expected a finite number, got NaN")
  })

  it("refuses a load the stored column cannot hold and unknown health", () => {
    expect(value(decodeOr(Load, 2.5))).toBe(2.5)
    expect(message(decodeOr(Load, -1))).toBe("expected a value between 0 and 1000, got -1")
    expect(message(decodeOr(HealthStatus, "sick"))).toBe('expected one of "healthy", "degraded", "busy", got "sick"')
  })
})

describe("Json and JsonObject", () => {
  it("accepts nested JSON", () => {
    const doc = { a: [1, "x", null, { b: true }] }
    expect(value(decodeOr(Json, doc))).toEqual(doc)
    expect(value(decodeOr(JsonObject, doc))).toEqual(doc)
  })

  it("refuses what JSON cannot carry, and arrays where an object is expected", () => {
    expect(decodeOr(Json, { f: () => 1 }).ok).toBe(false)
    expect(message(decodeOr(JsonObject, [1]))).toBe("expected an object, got [1]")
  })
})
