// Why a batch failed decides what the runtime does (invariant 10): a server that cannot be
// reached (or is overloaded, or restarting) makes the partition wait and retry; anything else
// (a value Postgres refuses, a machine that throws, a stack overflow, a bug) is the batch's own
// fault, so the batch is split until the entry that causes it is alone and dead-lettered.

/** Node's and postgres.js's codes for a connection that failed, closed or timed out. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "NR_CLOSED",
])

/** SQLSTATE classes and codes that say "try again later", not "this value is wrong":
 * 08 connection exception, 53 insufficient resources, 57P0x shutdown or cannot connect now,
 * 58 system error, 40001 / 40P01 serialization failure and deadlock, 55P03 lock not available. */
const RETRYABLE_SQLSTATE = /^(08|53|58)|^(57P0[1-4]|40001|40P01|55P03)$/u

/** Redis replies that mean the server is busy, loading, full or fenced, not that the command is wrong. */
const RETRYABLE_REDIS = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM)\b/u

/** Raised by a step that gave up waiting for a server. */
export class ServerUnavailable extends Error {
  readonly _tag = "ServerUnavailable"
}

/** True when `error` says a server is unreachable or overloaded: wait and retry the same batch. */
export const isUnavailable = (error: unknown): boolean => {
  if (error instanceof ServerUnavailable) return true
  if (typeof error !== "object" || error === null) return false
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown }
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || RETRYABLE_SQLSTATE.test(code))) return true
  if (name === "MaxRetriesPerRequestError") return true
  if (typeof message === "string" && (message.startsWith("Connection is closed") || RETRYABLE_REDIS.test(message))) return true
  const cause = (error as { cause?: unknown }).cause
  return cause !== undefined && cause !== error && isUnavailable(cause)
}

/** A one-line reason for a dead letter. */
export const failureReason = (error: unknown): string => {
  if (error instanceof RangeError && /call stack/iu.test(error.message)) return `stack overflow: ${error.message}`
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === "string" ? `${error.message} (${code})` : error.message
  }
  return String(error)
}
