// The error contract of PROTOCOL.md: error codes, the `{error: {code, message, ref?}}` body, the HTTP
// status and WebSocket close code of each code, the ApiError class, and decoding that answers ApiError.
import { Result, Schema } from "effect"
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

const parseOptions = { errors: "first", reportInput: true, onExcessProperty: "ignore" } as const

/** A validation_failed error with the given message. */
export const validationError = (message: string, ref?: string, cause?: unknown): ApiError =>
  new ApiError({ code: "validation_failed", message, ref, cause })

/** Decodes `input`; a failure becomes a validation_failed ApiError naming the first failing field. */
export function decodeOr<S extends Schema.ConstraintDecoder<unknown>>(
  schema: S,
  input: unknown,
  ref?: string,
): Decoded<S["Type"]> {
  const result = Schema.decodeUnknownResult(schema)(input, parseOptions)
  return Result.isSuccess(result)
    ? { ok: true, value: result.success }
    : { ok: false, error: validationError(formatIssue(result.failure.issue), ref, result.failure) }
}

/** Parses JSON text; invalid JSON is a validation_failed `body: invalid JSON`. */
export function parseJson(text: string, ref?: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (cause) {
    return { ok: false, error: validationError("body: invalid JSON", ref, cause) }
  }
}

/** Parses JSON text then decodes it with `schema`. */
export function decodeJsonOr<S extends Schema.ConstraintDecoder<unknown>>(
  schema: S,
  text: string,
  ref?: string,
): Decoded<S["Type"]> {
  const parsed = parseJson(text, ref)
  return parsed.ok ? decodeOr(schema, parsed.value, ref) : parsed
}
