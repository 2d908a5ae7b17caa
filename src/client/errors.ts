// The client's one error type: every refusal the server answers (HTTP error body or `error` frame)
// and every failure of the client itself (network, timeout, closed) is a ClawbotError carrying
// PROTOCOL's `code`, `message` and `ref`, plus the HTTP status and `Retry-After` when there were any.
import type { ErrorCode } from "../schema/errors.ts"

export type { ErrorCode }

export interface ClawbotErrorFields {
  readonly code: ErrorCode
  readonly message: string
  readonly ref?: string | undefined
  /** The HTTP status, when the error came from an HTTP answer (0 when no answer arrived). */
  readonly status?: number | undefined
  /** Seconds the server asked to wait (`Retry-After` of a 429). */
  readonly retryAfterS?: number | undefined
}

export class ClawbotError extends Error {
  readonly code: ErrorCode
  readonly ref: string | undefined
  readonly status: number | undefined
  readonly retryAfterS: number | undefined

  constructor(fields: ClawbotErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options)
    this.name = "ClawbotError"
    this.code = fields.code
    this.ref = fields.ref
    this.status = fields.status
    this.retryAfterS = fields.retryAfterS
  }

  /** `{code, message, ref?}` as on the wire. */
  toJSON(): { code: ErrorCode; message: string; ref?: string } {
    return this.ref === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, ref: this.ref }
  }
}

export const isClawbotError = (value: unknown): value is ClawbotError => value instanceof ClawbotError

/** A failure to reach the server at all (no answer): `unavailable` with status 0. */
export const unreachable = (what: string, cause: unknown): ClawbotError =>
  new ClawbotError(
    { code: "unavailable", message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, status: 0 },
    { cause },
  )
