// The error contract: codes, statuses, close codes, ApiError, and the message format of decoding failures.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Uuid } from "../../../src/schema/common.ts"
import { ApiError, ErrorBody, decodeJsonOr, decodeOr, formatIssue, httpStatus, wsCloseCode } from "../../../src/schema/errors.ts"
import { ID, failure, message, value } from "./helpers.ts"

describe("status and close codes", () => {
  it("follow the PROTOCOL.md table", () => {
    expect(httpStatus).toEqual({
      validation_failed: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 409,
      rate_limited: 429,
      payload_too_large: 413,
      unavailable: 503,
      internal: 500,
    })
    expect(wsCloseCode.unauthorized).toBe(4401)
    expect(wsCloseCode.forbidden).toBe(4403)
    expect(wsCloseCode.payload_too_large).toBe(1009)
    expect(wsCloseCode.validation_failed).toBeNull()
    expect(wsCloseCode.internal).toBeNull()
  })
})

describe("ApiError", () => {
  it("is an Error carrying code, message, ref and cause", () => {
    const cause = new Error("redis down")
    const error = new ApiError({ code: "unavailable", message: "redis unreachable", ref: "c-1", cause })
    expect(error).toBeInstanceOf(Error)
    expect(error._tag).toBe("ApiError")
    expect([error.code, error.message, error.ref, error.cause]).toEqual(["unavailable", "redis unreachable", "c-1", cause])
  })

  it("renders the error body, with ref only when there is one", () => {
    expect(new ApiError({ code: "conflict", message: "stale version", ref: "c-2" }).toBody()).toEqual({
      error: { code: "conflict", message: "stale version", ref: "c-2" },
    })
    const body = new ApiError({ code: "not_found", message: "no such task" }).toBody()
    expect(JSON.parse(JSON.stringify(body))).toEqual({ error: { code: "not_found", message: "no such task" } })
    expect(value(decodeOr(ErrorBody, body))).toEqual(body)
  })
})

const Payload = Schema.Struct({ task_id: Uuid, note: Schema.optionalKey(Schema.String) })
const Frame = Schema.Union([
  Schema.Struct({ type: Schema.Literal("claim_task"), payload: Payload }),
  Schema.Struct({ type: Schema.Literal("task_started"), payload: Payload }),
])

describe("decodeOr", () => {
  it("answers the decoded value", () => {
    expect(value(decodeOr(Frame, { type: "claim_task", payload: { task_id: ID.a } }))).toEqual({
      type: "claim_task",
      payload: { task_id: ID.a },
    })
  })

  it("names the failing field by its dot path, with the actual value and the client's ref", () => {
    const error = failure(decodeOr(Frame, { type: "claim_task", payload: { task_id: "x" } }, "c-17"))
    expect(error.code).toBe("validation_failed")
    expect(error.message).toBe('payload.task_id: expected a UUID, got "x"')
    expect(error.ref).toBe("c-17")
    expect(error.toBody()).toEqual({
      error: { code: "validation_failed", message: 'payload.task_id: expected a UUID, got "x"', ref: "c-17" },
    })
  })

  it("reports a missing key", () => {
    expect(message(decodeOr(Frame, { type: "task_started", payload: {} }))).toBe("payload.task_id: is missing")
  })

  it("lists the allowed types for an unknown or missing `type`", () => {
    expect(message(decodeOr(Frame, { type: "nope", payload: {} }))).toBe('type: expected one of "claim_task", "task_started", got "nope"')
    expect(message(decodeOr(Frame, { payload: {} }))).toBe("type: is missing")
  })

  it("has no path prefix for a top-level issue", () => {
    expect(message(decodeOr(Frame, "x"))).toBe('expected an object, got "x"')
    expect(message(decodeOr(Uuid, "x"))).toBe('expected a UUID, got "x"')
  })

  it("reports only the first issue", () => {
    const bad = { type: "claim_task", payload: { task_id: "x", note: 5 } }
    expect(message(decodeOr(Frame, bad))).toBe('payload.task_id: expected a UUID, got "x"')
  })

  it("truncates long values", () => {
    const text = message(decodeOr(Uuid, "y".repeat(200)))
    expect(text).toBe(`expected a UUID, got "${"y".repeat(78)}…`)
  })
})

describe("decodeJsonOr", () => {
  it("reports invalid JSON as body: invalid JSON", () => {
    const error = failure(decodeJsonOr(Frame, "{not json", "c-3"))
    expect([error.code, error.message, error.ref]).toEqual(["validation_failed", "body: invalid JSON", "c-3"])
  })

  it("decodes valid JSON text", () => {
    expect(value(decodeJsonOr(Frame, JSON.stringify({ type: "task_started", payload: { task_id: ID.b } }))).payload).toEqual({
      task_id: ID.b,
    })
    expect(message(decodeJsonOr(Frame, "[]"))).toBe("expected an object, got []")
  })
})

describe("formatIssue", () => {
  it("formats a SchemaError's issue the same way", () => {
    try {
      Schema.decodeUnknownSync(Payload)({ task_id: 3 })
      expect.unreachable()
    } catch (error) {
      expect(Schema.isSchemaError(error)).toBe(true)
      if (Schema.isSchemaError(error)) expect(formatIssue(error.issue)).toBe("task_id: expected a string")
    }
  })
})
