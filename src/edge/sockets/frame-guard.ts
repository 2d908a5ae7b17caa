// The checks every client frame passes on either socket before it is decoded: the per-connection
// rate (rate_limited, then close 4429 when the flood goes on), the size (payload_too_large, close
// 1009) and the kind (text holding JSON).
import type { ErrorDetail } from "../../schema/errors.ts"
import { wsCloseCode } from "../../schema/errors.ts"
import type { EdgeLimits, Metrics } from "../context.ts"
import type { FrameBudget } from "../rate-limit.ts"
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
  readonly metrics: Metrics
}

/** The frame's text, or undefined when it was refused (and answered). */
export function admitFrame(options: GuardOptions, message: ArrayBuffer, isBinary: boolean, answer: FrameAnswers): string | undefined {
  const { budget, limits, metrics } = options
  const verdict = budget.admit()
  if (verdict !== "accept") {
    if (verdict === "warn") {
      answer.error({ code: "rate_limited", message: `frames: more than ${limits.perConnectionPerSecond} a second; frames are dropped until the rate falls` })
    } else {
      metrics.inc(REJECTED_METRIC, { code: "rate_limited" })
      if (verdict === "close") answer.close(RATE_LIMITED_CLOSE, "rate_limited")
    }
    return undefined
  }
  if (message.byteLength > limits.maxPayloadBytes) {
    answer.error({ code: "payload_too_large", message: `frame: ${message.byteLength} bytes, more than ${limits.maxPayloadBytes}` })
    answer.close(PAYLOAD_TOO_LARGE_CLOSE, "payload_too_large")
    return undefined
  }
  if (isBinary) {
    answer.error({ code: "validation_failed", message: "frame: expected a text frame holding JSON" })
    return undefined
  }
  return Buffer.from(message).toString("utf8")
}
