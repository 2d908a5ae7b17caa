// Reconnect delays: exponential backoff with jitter, so a fleet of bots that lost the same edge
// does not come back in one burst. Pure: the random source is passed in.

export interface BackoffOptions {
  /** The first delay, in ms (default 250). */
  readonly initialMs?: number
  /** The longest delay, in ms (default 15,000). */
  readonly maxMs?: number
  /** Growth per failed try (default 2). */
  readonly factor?: number
  /** A number in [0, 1) (default Math.random). */
  readonly random?: () => number
}

/**
 * The delay before try `n` (0 for the first retry after a loss): `initialMs * factor^n`, capped at
 * `maxMs`, then drawn uniformly from its upper half ("equal jitter"), so it is never below half.
 */
export function backoffDelay(n: number, options: BackoffOptions = {}): number {
  const { initialMs = 250, maxMs = 15_000, factor = 2, random = Math.random } = options
  const ceiling = Math.min(maxMs, initialMs * factor ** Math.min(n, 32))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
