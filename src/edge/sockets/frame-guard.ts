// The checks every client frame passes on either socket before it is decoded: the per-connection
// rate (rate_limited, then close 4429 when the flood goes on) and the size (payload_too_large, close
// 1009). Text and binary frames alike are then decoded as UTF-8 JSON under the input rules: uWS
// itself refuses a text frame that is not UTF-8 (RFC 6455 §8.1) by dropping the connection, so the
// front door passes text frames on as binary ones (../http/ws-frames.ts); without it, a bot that cannot
// vouch for its bytes sends binary frames and gets `validation_failed` instead.
import type { ErrorDetail } from "../../schema/errors.ts"
import { wsCloseCode } from "../../schema/errors.ts"
import type { EdgeLimits, Metrics } from "../context.ts"
import type { FrameBudget } from "../rate-limit.ts"
import type { SocketQuotas } from "./quotas.ts"
import { REJECTED_METRIC } from "./send.ts"

/** Close code of a connection that kept flooding past its frame limit (PROTOCOL leaves it open; 4000 + HTTP 429). */
export const RATE_LIMITED_CLOSE = 4429
export const PAYLOAD_TOO_LARGE_CLOSE = wsCloseCode.payload_too_large ?? 1009

export interface FrameAnswers {
  /** Sends an `error` frame (and counts it). */
  error(detail: ErrorDetail): void
  /** Ends the socket with a close code. */
  close(code: number, reason: string): void
}

export interface GuardOptions {
  readonly budget: FrameBudget
  readonly limits: EdgeLimits
  readonly quotas: SocketQuotas
  readonly metrics: Metrics
}

/** The frame's bytes, or undefined when it was refused (and answered). */
export function admitFrame(options: GuardOptions, message: ArrayBuffer, answer: FrameAnswers): ArrayBuffer | undefined {
  const { budget, limits, quotas, metrics } = options
  const verdict = budget.admit()
  if (verdict !== "accept") {
    if (verdict === "warn") {
      answer.error({
        code: "rate_limited",
        message: `frames: more than ${limits.perConnectionPerSecond} a second; frames are dropped until the rate falls`,
      })
    } else {
      metrics.inc(REJECTED_METRIC, { code: "rate_limited" })
      if (verdict === "close") answer.close(RATE_LIMITED_CLOSE, "rate_limited")
    }
    return undefined
  }
  if (message.byteLength > quotas.maxFrameBytes) {
    // Not its size: behind the front door a longer frame arrives cut to one byte over the quota.
    answer.error({ code: "payload_too_large", message: `frame: more than ${quotas.maxFrameBytes} bytes` })
    answer.close(PAYLOAD_TOO_LARGE_CLOSE, "payload_too_large")
    return undefined
  }
  return message
}

/** What uWS says when it dropped a connection itself (close 1006) for a frame no handler saw, as the error code counted. */
export function droppedByUws(code: number, reason: ArrayBuffer): "validation_failed" | "payload_too_large" | undefined {
  if (code !== 1006) return undefined
  const text = Buffer.from(reason).toString("latin1")
  if (text.includes("invalid UTF-8")) return "validation_failed"
  return text.includes("too big") ? "payload_too_large" : undefined
}
