// What one client may make the sockets hold or write, read from the environment with a Schema
// (docs/edge.md "Socket quotas"): the largest frame, the bytes one agent may send a second on its
// control sockets, the frames a control socket may have waiting for the stream, the topics one
// event socket may follow (the agents' byte budget that enforces the rate: ./agent-bytes.ts), and how often a
// control socket records a heartbeat that reports nothing new (./heartbeats.ts).
import { Schema } from "effect"
import type { EdgeLimits } from "../context.ts"

export interface SocketQuotas {
  /** Largest frame a client may send, in bytes: over it, `payload_too_large` and close 1009. */
  readonly maxFrameBytes: number
  /** Bytes of frames one agent may send a second on its control sockets, on all edges together. */
  readonly bytesPerSecond: number
  /** Frames of one control socket appended but not yet answered by the stream; over it, `rate_limited`. */
  readonly maxInFlight: number
  /** Topics one event socket may follow. */
  readonly maxTopics: number
  /** A control socket records (appends) a heartbeat that reports nothing new at most this often (ms); between records
   * it only pushes its agent's expiry back (./heartbeats.ts). */
  readonly heartbeatRecordMs: number
}

const MIB = 1024 * 1024

/** Each quota's environment variable. */
export const QUOTA_ENV = {
  maxFrameBytes: "CLAWBOT_WS_MAX_FRAME_BYTES",
  bytesPerSecond: "CLAWBOT_WS_BYTES_PER_S",
  maxInFlight: "CLAWBOT_WS_MAX_IN_FLIGHT",
  maxTopics: "CLAWBOT_WS_MAX_TOPICS",
  heartbeatRecordMs: "CLAWBOT_HEARTBEAT_RECORD_MS",
} as const satisfies Record<keyof SocketQuotas, string>

/** The defaults; the largest frame defaults to the edge's payload limit (1 MiB). */
export const defaultQuotas = (limits: EdgeLimits): SocketQuotas => ({
  maxFrameBytes: limits.maxPayloadBytes,
  bytesPerSecond: MIB,
  maxInFlight: 256,
  maxTopics: 1000,
  heartbeatRecordMs: 60_000,
})

const Count = Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1024 * MIB }))
const QuotaOverrides = Schema.Struct({
  maxFrameBytes: Schema.optionalKey(Count),
  bytesPerSecond: Schema.optionalKey(Count),
  maxInFlight: Schema.optionalKey(Count),
  maxTopics: Schema.optionalKey(Count),
  heartbeatRecordMs: Schema.optionalKey(Count),
})

/** The quotas: the defaults, overridden by the environment; a bad value is an error naming its variable. */
export function socketQuotas(limits: EdgeLimits, env: NodeJS.ProcessEnv = process.env): SocketQuotas {
  const raw: Record<string, string> = {}
  for (const [key, name] of Object.entries(QUOTA_ENV)) {
    const value = env[name]
    if (value !== undefined && value !== "") raw[key] = value
  }
  const decoded = Schema.decodeUnknownResult(QuotaOverrides)(raw)
  if (decoded._tag === "Failure") {
    const key = Object.keys(QUOTA_ENV).find((name) => decoded.failure.message.includes(`["${name}"]`)) as keyof SocketQuotas | undefined
    const where = key === undefined ? "socket quotas" : `${QUOTA_ENV[key]}=${JSON.stringify(raw[key])}`
    throw new Error(`${where}: expected a whole number from 1 to ${1024 * MIB}`)
  }
  return { ...defaultQuotas(limits), ...decoded.success }
}

/**
 * The largest frame uWS itself reads. Over it uWS drops the connection without a close frame
 * (1006) before any handler runs, so it is set well above `maxFrameBytes`, which the handler
 * enforces with an error frame and close 1009. (Behind the front door no message over `maxFrameBytes + 1`
 * reaches uWS: ../http/ws-frames.ts.)
 */
export const uwsFrameLimit = (quotas: SocketQuotas): number => Math.max(4 * quotas.maxFrameBytes, 16 * MIB)
