// Turns anything a route threw into PROTOCOL's error answer: an ApiError as it is, a bad cursor as
// validation_failed, Redis or Postgres unreachable (or too slow: Unreachable) as 503
// `unavailable`, and anything else, a bug, as 500 `internal`, logged with its stack.
import type { Logger } from "../../log.ts"
import { errorFields } from "../../log.ts"
import { ApiError, httpStatus, validationError } from "../../schema/errors.ts"
import { InvalidCursor } from "../../store/queries.ts"
import type { Answer } from "./route.ts"

/** Redis or Postgres known to be unreachable, or not answering within the request's budget (deadline.ts). */
export class Unreachable extends Error {
  override readonly name = "Unreachable"
}

// ioredis (no offline queue) says so in its messages; postgres.js and the socket layer in error codes.
const REDIS_UNREACHABLE = /enableOfflineQueue|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable/
const POSTGRES_UNREACHABLE =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|CONNECT_TIMEOUT|CONNECTION_\w+|57P0[1-3]|08\w{3})$/

/** Why the servers could not be used, or undefined when the failure is not theirs (a bug). */
export const unreachable = (error: unknown): string | undefined => {
  if (error instanceof Unreachable) return error.message
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error)
  if (REDIS_UNREACHABLE.test(text)) return "Redis is unreachable; nothing was accepted"
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === "string" && POSTGRES_UNREACHABLE.test(code)) return "Postgres is unreachable; nothing was accepted"
  return undefined
}

const stackOf = (error: unknown): string | undefined => (error instanceof Error ? error.stack : undefined)

export const errorAnswer = (error: unknown, log: Logger, route: string): Answer => {
  const refusal = error instanceof ApiError ? error : error instanceof InvalidCursor ? validationError(error.message) : undefined
  if (refusal) return { status: httpStatus[refusal.code], json: refusal.toBody() }
  const reason = unreachable(error)
  if (reason !== undefined) {
    log.warn("http request failed", { route, reason, ...errorFields(error) })
    return { status: httpStatus.unavailable, json: new ApiError({ code: "unavailable", message: reason }).toBody() }
  }
  log.error("http route failed: a bug", { route, ...errorFields(error), stack: stackOf(error) })
  return { status: httpStatus.internal, json: new ApiError({ code: "internal", message: "internal error; nothing was accepted" }).toBody() }
}
