// Watches a process's event loop for stalls: a timer due every `tickMs` measures how late it fires, each lateness is
// observed (a histogram for /metrics: `clawbot_event_loop_delay_seconds`, `clawbot_runtime_event_loop_delay_seconds`)
// and one over `warnAfterMs` is reported, so an operator hears of a stall before what it endangers is lost (a runtime's
// partition leases lapse when their renewal waits longer than their TTL: docs/deployment.md).
import { performance } from "node:perf_hooks"

/** How often the watch's timer is due: the finest stall it tells apart. */
export const STALL_TICK_MS = 100

export interface EventLoopWatch {
  stop(): void
}

export const watchEventLoop = (options: {
  /** Each tick's lateness, in seconds (0 when on time). */
  readonly observe: (seconds: number) => void
  /** A stall longer than `warnAfterMs`: how long the loop did not turn, in ms. */
  readonly stalled: (ms: number) => void
  readonly warnAfterMs: number
  readonly tickMs?: number
}): EventLoopWatch => {
  const tickMs = options.tickMs ?? STALL_TICK_MS
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const late = Math.max(0, now - last - tickMs)
    last = now
    options.observe(late / 1000)
    if (late > options.warnAfterMs) options.stalled(Math.round(late))
  }, tickMs)
  // The watch never keeps a process alive that has nothing else to do.
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
