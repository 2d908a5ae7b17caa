// Rate limits: a token bucket per connection, in memory (WebSocket frames), and a fixed window
// per subject shared by every edge process, in Redis (requests per token).
import type { Redis } from "ioredis"
import type { Keys } from "../redis/keys.ts"
import { MAX_CONCURRENCY } from "../schema/commands.ts"

/** `perSecond` tokens a second, holding at most `burst`; each message takes one (or, for a byte budget, its size). */
export class TokenBucket {
  private tokens: number
  private at: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {
    this.tokens = burst
    this.at = clock()
  }

  private refill(): void {
    const now = this.clock()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond)
    this.at = now
  }

  /** Takes `cost` tokens (one message, or its bytes); false when there are not that many left (over the limit). */
  take(cost = 1): boolean {
    this.refill()
    if (this.tokens < cost) return false
    this.tokens -= cost
    return true
  }

  /** True once the bucket has filled up again (the sender calmed down). */
  full(): boolean {
    this.refill()
    return this.tokens >= this.burst
  }
}

/**
 * What to do with a connection's next frame: `accept` it; over the limit, `warn` (the first frame
 * refused in a burst: answer rate_limited), `drop` (refused quietly), or `close` (the burst went on
 * for another second's worth of frames). The count of refusals restarts once the bucket is full again.
 */
export type FrameVerdict = "accept" | "warn" | "drop" | "close"

/** Frames a bot may send to report on one task the edge assigned it (`claim_task`, `task_started`, `task_complete`). */
export const REPORT_FRAMES_PER_TASK = 3

/** The most report frames a socket may have in hand: as many as a bot at the largest `max_concurrency` needs for every
 * task it holds, so that an idle bot cannot bank a flood. */
const MAX_REPORT_FRAMES = REPORT_FRAMES_PER_TASK * MAX_CONCURRENCY

/**
 * The per-connection frame limit: `perSecond` frames a second, bursts of up to `perSecond`, plus the frames a bot
 * reports with on the tasks the edge assigned it (`credit`): the server's own work never counts as a flood, so a
 * fast bot handed tasks faster than its rate allows still reports on each of them (its reports were dropped, and
 * its SDK waited 10 s for their acks).
 */
export class FrameBudget {
  private readonly bucket: TokenBucket
  private refused = 0
  /** Report frames in hand, taken before the rate's tokens. */
  private reports = 0

  constructor(
    private readonly perSecond: number,
    clock: () => number,
  ) {
    this.bucket = new TokenBucket(perSecond, perSecond, clock)
  }

  /** `tasks` tasks were assigned to the bot on this socket: room for their reports. */
  credit(tasks: number): void {
    this.reports = Math.min(MAX_REPORT_FRAMES, this.reports + tasks * REPORT_FRAMES_PER_TASK)
  }

  admit(): FrameVerdict {
    if (this.refused > 0 && this.bucket.full()) this.refused = 0
    if (this.reports > 0) {
      this.reports -= 1
      return "accept"
    }
    if (this.bucket.take()) return "accept"
    this.refused += 1
    if (this.refused === 1) return "warn"
    return this.refused > this.perSecond ? "close" : "drop"
  }
}

export interface WindowVerdict {
  readonly allowed: boolean
  /** Requests left in the current window. */
  readonly remaining: number
  /** When the current window ends (for `Retry-After`), in ms from now. */
  readonly resetMs: number
}

/**
 * Counts one request of `subject` under `scope` in a fixed window of `windowMs` started by its
 * first request (key `keys.rateLimit(scope, subject)`: INCR, PEXPIRE NX, PTTL in one MULTI), and
 * allows it while the window holds at most `limit`. Pass an id or a hash as `subject`, never a
 * raw token (key names show up in monitoring).
 */
export async function takeFromWindow(
  redis: Redis,
  keys: Keys,
  scope: string,
  subject: string,
  limit: number,
  windowMs: number,
): Promise<WindowVerdict> {
  const key = keys.rateLimit(scope, subject)
  const replies = (await redis.multi().incr(key).pexpire(key, windowMs, "NX").pttl(key).exec()) ?? []
  const [count, , ttl] = replies.map(([error, value]) => {
    if (error) throw error
    return Number(value)
  })
  const used = count ?? 0
  return { allowed: used <= limit, remaining: Math.max(0, limit - used), resetMs: Math.max(0, ttl ?? windowMs) }
}

/** `Retry-After` in whole seconds (at least 1) for a window ending in `resetMs`. */
export const retryAfterSeconds = (resetMs: number): number => Math.max(1, Math.ceil(resetMs / 1000))
