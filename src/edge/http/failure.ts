// Turns anything a route threw into PROTOCOL's error answer: an ApiError as it is, a bad cursor as
// validation_failed, and every other failure (Redis or Postgres unreachable, or a bug, which is
// logged) as 503 `unavailable`: the error codes have no other server-side failure.
import type { Logger } from "../../log.ts"
import { errorFields } from "../../log.ts"
import { ApiError, httpStatus, validationError } from "../../schema/errors.ts"
import { InvalidCursor } from "../../store/queries.ts"
import type { Answer } from "./route.ts"

// ioredis (no offline queue) says so in its messages; postgres.js and the socket layer in error codes.
const REDIS_UNREACHABLE = /enableOfflineQueue|Connection is closed|MaxRetriesPerRequest/
const POSTGRES_UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|CONNECT_TIMEOUT|CONNECTION_\w+|57P0[1-3])$/

const unavailableMessage = (error: unknown): string => {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error)
  if (REDIS_UNREACHABLE.test(text)) return "Redis is unreachable; nothing was accepted"
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === "string" && POSTGRES_UNREACHABLE.test(code)) return "Postgres is unreachable; nothing was accepted"
  return "the request could not be completed; nothing was accepted"
}

export const errorAnswer = (error: unknown, log: Logger, route: string): Answer => {
  const refusal =
    error instanceof ApiError ? error
    : error instanceof InvalidCursor ? validationError(error.message)
    : undefined
  if (refusal) return { status: httpStatus[refusal.code], json: refusal.toBody() }
  const message = unavailableMessage(error)
  log.warn("http request failed", { route, reason: message, ...errorFields(error) })
  return { status: httpStatus.unavailable, json: new ApiError({ code: "unavailable", message }).toBody() }
}
