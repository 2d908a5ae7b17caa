// The error contract of PROTOCOL.md: error codes, the `{error: {code, message, ref?}}` body, the HTTP
// status and WebSocket close code of each code, the ApiError class, and decoding that answers ApiError:
// `parseJsonInput` (PROTOCOL's input rules, ./input.ts), `decodeInput` (unknown fields refused) and
// `decodeJsonOr` (both) for what clients send; `decodeOr` (unknown fields ignored) for stored data.
import { Result, Schema } from "effect"
import { decoderOf, encoderOf } from "./codecs.ts"
import { inputRuleViolation, utf8Text } from "./input.ts"
import { formatIssue } from "./issue.ts"

export { formatIssue } from "./issue.ts"

export const ErrorCode = Schema.Literals([
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "rate_limited",
  "payload_too_large",
  "unavailable",
  "internal",
]).annotate({ identifier: "ErrorCode" })
export type ErrorCode = typeof ErrorCode.Type

/** The inside of an error body, also the payload of an `error` frame. */
export const ErrorDetail = Schema.Struct({
  code: ErrorCode,
  message: Schema.String,
  ref: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "ErrorDetail" })
export type ErrorDetail = typeof ErrorDetail.Type

/** `{ "error": { "code", "message", "ref"? } }`, the body of every HTTP error answer. */
export const ErrorBody = Schema.Struct({ error: ErrorDetail }).annotate({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

/** The HTTP status answered for each error code. */
export const httpStatus: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
}

/**
 * The WebSocket close code for each error code, or null when the error is answered with an
 * `error` frame and the socket stays open (a bad frame never closes a bot's socket by itself).
 */
export const wsCloseCode: Readonly<Record<ErrorCode, number | null>> = {
  validation_failed: null,
  unauthorized: 4401,
  forbidden: 4403,
  not_found: null,
  conflict: null,
  rate_limited: null,
  payload_too_large: 1009,
  unavailable: null,
  internal: null,
}

/** A refusal to show the client: code, message naming the field, the client's frame id as `ref`. */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  code: ErrorCode,
  message: Schema.String,
  ref: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect()),
}) {
  /** The `{error: {...}}` body (HTTP) or, via `.error`, the `error` frame payload (WebSocket). */
  toBody(): ErrorBody {
    const { code, message, ref } = this
    return { error: ref === undefined ? { code, message } : { code, message, ref } }
  }
}

/** The outcome of decoding untrusted input. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError }

/** What a body, frame or raw entry arrives as: bytes (checked as UTF-8) or text already decoded. */
export type JsonInput = ArrayBuffer | Uint8Array | string

/** A validation_failed error with the given message. */
export const validationError = (message: string, ref?: string, cause?: unknown): ApiError =>
  new ApiError({ code: "validation_failed", message, ref, cause })

const lenient = { errors: "first", reportInput: true, onExcessProperty: "ignore" } as const
const strict = { errors: "first", reportInput: true, onExcessProperty: "error" } as const

function decodeWith<S extends Schema.ConstraintDecoder<unknown>>(
  schema: S,
  input: unknown,
  ref: string | undefined,
  options: typeof lenient | typeof strict,
): Decoded<S["Type"]> {
  const result = decoderOf(schema)(input, options)
  return Result.isSuccess(result)
    ? { ok: true, value: result.success }
    : { ok: false, error: validationError(formatIssue(result.failure.issue), ref, result.failure) }
}

/**
 * Encodes a value built in memory (a command the runtime or the edge appends) to its wire form,
 * fields the schema does not know refused like any other failure naming the field.
 */
export function encodeInput<S extends Schema.ConstraintEncoder<unknown>>(schema: S, input: unknown): Decoded<S["Encoded"]> {
  const result = encoderOf(schema)(input, strict)
  return Result.isSuccess(result)
    ? { ok: true, value: result.success }
    : { ok: false, error: validationError(formatIssue(result.failure.issue), undefined, result.failure) }
}

/**
 * Decodes data the system wrote itself (stored snapshots, stream entries) or query strings: fields
 * the schema does not know are ignored. A failure is validation_failed naming the first failing field.
 */
export const decodeOr = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown, ref?: string): Decoded<S["Type"]> =>
  decodeWith(schema, input, ref, lenient)

/**
 * Decodes what a client sent, once it passed the input rules (`parseJsonInput`, or
 * `inputRuleViolation` for a value built in memory): a field the schema does not know is refused
 * (`payload.timeout: unknown field`), like any other failure naming the field.
 */
export const decodeInput = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: unknown, ref?: string): Decoded<S["Type"]> =>
  decodeWith(schema, input, ref, strict)

/** The `ref` of an answer: fixed, or read from the parsed input (a frame's own `id`). */
export type RefOf = string | ((parsed: unknown) => string | undefined)

export interface ParseOptions {
  readonly refOf?: RefOf
  /** How messages name the whole input (default `body`); a field inside it is named by its path. */
  readonly name?: string
}

/**
 * Parses an HTTP body, a frame or a raw entry's JSON under PROTOCOL.md's input rules: bytes must be
 * valid UTF-8, the text JSON, nested at most 64 levels, with no NUL or unpaired surrogate in any
 * string or field name and only finite numbers. A failure is validation_failed naming the field
 * (`body` for the whole: `body: invalid UTF-8`, `body: invalid JSON`). Nothing here recurses.
 */
export function parseJsonInput(input: JsonInput, options: ParseOptions = {}): Decoded<unknown> {
  const { refOf, name = "body" } = options
  const fixedRef = typeof refOf === "function" ? undefined : refOf
  const text = typeof input === "string" ? input : utf8Text(input)
  if (text === undefined) return { ok: false, error: validationError(`${name}: invalid UTF-8`, fixedRef) }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return { ok: false, error: validationError(`${name}: invalid JSON`, fixedRef, cause) }
  }
  const at = name === "body" ? [] : [name]
  const violation = inputRuleViolation(value, at)
  if (violation === undefined) return { ok: true, value }
  return { ok: false, error: validationError(violation, typeof refOf === "function" ? refOf(value) : fixedRef) }
}

/** `parseJsonInput`, then `decodeInput` with `schema`: the whole check of a client's JSON. */
export function decodeJsonOr<S extends Schema.ConstraintDecoder<unknown>>(schema: S, input: JsonInput, refOf?: RefOf): Decoded<S["Type"]> {
  const parsed = parseJsonInput(input, refOf === undefined ? {} : { refOf })
  if (!parsed.ok) return parsed
  return decodeInput(schema, parsed.value, typeof refOf === "function" ? refOf(parsed.value) : refOf)
}
