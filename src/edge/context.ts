// The contracts between the edge's parts: what every HTTP route and socket handler is given
// (EdgeContext), the runtime's answers to commands (Replies, fed by the event-stream reader)
// and the metrics registry they record into.
import type { CancellationsSeen } from "./cancellations-seen.ts"
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import type { RedisClock } from "../redis/clock.ts"
import type { Keys } from "../redis/keys.ts"
import type { ActorKind } from "../runtime/actor-kind.ts"
import type { AppendFn } from "../runtime/append.ts"
import type { MachineDescription } from "../runtime/describe-machine.ts"
import type { Sql } from "../store/db.ts"
import type { Authenticator } from "./auth.ts"
import type { RequestBudget } from "./http/deadline.ts"
import type { Revocations } from "./revocations.ts"

/** The runtime's answer to one command that carried a `replyTo` (an event-stream `reply` entry). */
export interface Reply {
  readonly outcome: "applied" | "rejected"
  readonly actor: { readonly kind: string; readonly id: string }
  /** The actor's state after the command (applied) or when it was refused. */
  readonly state: string | null
  /** `conflict`, `forbidden` or `not_found` when rejected. */
  readonly code?: string
  readonly reason?: string
  /** A refusal of a command that asked for refusals only (`replyWhen`): the command's id (a bot frame's `<agent id>:<id>`). */
  readonly cmd_id?: string
  /** The inbox entry id of the command. */
  readonly stream_id: string
}

export interface Replies {
  /** A new reply address owned by this edge process (`<edgeId>:<n>`). */
  address(): string
  /** The runtime's answer for `replyTo`, or undefined after `timeoutMs`. */
  wait(replyTo: string, timeoutMs: number): Promise<Reply | undefined>
  /** Calls `onReply` for each answer to an address starting with `prefix` until the returned function is called. */
  listen(prefix: string, onReply: (replyTo: string, reply: Reply) => void): () => void
}

/** Prometheus metrics: names are declared (with help and type) by src/edge/metrics.ts. */
export interface Metrics {
  inc(name: string, labels?: Readonly<Record<string, string>>, by?: number): void
  set(name: string, value: number, labels?: Readonly<Record<string, string>>): void
  observe(name: string, value: number, labels?: Readonly<Record<string, string>>): void
}

export interface EdgeLimits {
  /** Largest HTTP body and WebSocket message, in bytes. */
  readonly maxPayloadBytes: number
  /** Bytes buffered for one socket before it counts as a slow consumer and is closed. */
  readonly maxBackpressureBytes: number
  /** Messages per second one connection may send. */
  readonly perConnectionPerSecond: number
  /** Requests per second on /api/v1 per valid token (the operator's: 10 times this), or per client address without one (CLAWBOT_RATE_LIMIT). */
  readonly perTokenPerSecond: number
  /** Open connections one client address may hold (CLAWBOT_MAX_CONNECTIONS_PER_ADDRESS; enforced by the front door). */
  readonly connectionsPerAddress: number
  /** How long a connection may take to send its first request's head (the front door: a partial head past it → 408). */
  readonly headTimeoutMs: number
  /** Browser origins allowed (CORS and the WebSocket `Origin` check); empty: same host only. */
  readonly allowedOrigins: ReadonlyArray<string>
  /** How long `?wait=1` and lifecycle verdicts wait for the runtime. */
  readonly waitMs: number
  /** A started session is orphaned once every remaining task has waited this long with no registered agent
   * offering its capability (CLAWBOT_ORPHAN_AFTER_S; given to each session the edge creates). */
  readonly orphanAfterS: number
  /** How long an agent's open circuit breaker waits before it half-opens and admits one probe task
   * (CLAWBOT_BREAKER_COOLDOWN_MS; given to each agent the edge registers). */
  readonly breakerCooldownMs: number
}

export interface Readiness {
  readonly ready: boolean
  /** Whether the last probe reached each server. */
  readonly reachable: { readonly redis: boolean; readonly postgres: boolean }
  readonly checks: Readonly<Record<string, unknown>>
}

export interface EdgeContext {
  readonly edgeId: string
  readonly sql: Sql
  /** For commands (not blocking reads). */
  readonly redis: Redis
  readonly keys: Keys
  readonly partitions: number
  readonly append: AppendFn
  readonly replies: Replies
  /** The `task_cancelled` pushes this edge's fan-out hands on, awaited by a deregistration before its sockets close. */
  readonly cancellations: CancellationsSeen
  readonly metrics: Metrics
  readonly log: Logger
  readonly limits: EdgeLimits
  readonly machines: Readonly<Record<string, MachineDescription>>
  /** The actor kinds by name: a stored snapshot is shown brought up to its kind's machine version (src/edge/http/current.ts). */
  readonly kinds: ReadonlyMap<string, ActorKind>
  /** The last readiness probe (refreshed in the background): Redis and Postgres reachable; in `clawbot start` also the in-process runtime's partitions. */
  readonly readiness: () => Readiness
  readonly clock: () => number
  /** Redis's clock as this edge estimates it (refreshed by the readiness probe): the deadlines of the appends it answers a client about. */
  readonly redisClock: RedisClock
  readonly auth: Authenticator
  /** Token revocations, shared by every edge process (Redis pub/sub). */
  readonly revocations: Revocations
  /** Reads (GET /api/v1/*, /ws/events) without a token (CLAWBOT_PUBLIC_READS). */
  readonly publicReads: boolean
  /** How long a recorded heartbeat lasts: the ones repeating it meanwhile only push the agent's expiry back
   * (CLAWBOT_HEARTBEAT_RECORD_MS; ./sockets/heartbeats.ts, ./http/heartbeat.ts). */
  readonly heartbeatRecordMs: number
  /** The time budget of the current HTTP request's store calls; UNBOUNDED outside one. */
  readonly budget: RequestBudget
}
