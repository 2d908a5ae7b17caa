// Rate limits: a token bucket per connection, in memory (WebSocket frames), and a fixed window
// per subject shared by every edge process, in Redis (requests per token).
import type { Redis } from "ioredis"
import type { Keys } from "../redis/keys.ts"

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

/** The per-connection frame limit: `perSecond` frames a second, bursts of up to `perSecond`. */
export class FrameBudget {
  private readonly bucket: TokenBucket
  private refused = 0

  constructor(
    private readonly perSecond: number,
    clock: () => number,
  ) {
    this.bucket = new TokenBucket(perSecond, perSecond, clock)
  }

  admit(): FrameVerdict {
    if (this.refused > 0 && this.bucket.full()) this.refused = 0
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
