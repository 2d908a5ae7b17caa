// Watches a process's event loop for stalls: a timer due every `tickMs` measures how late it fires, each lateness is
// observed (a histogram for /metrics: `clawbot_event_loop_delay_seconds`, `clawbot_runtime_event_loop_delay_seconds`)
// and one over `warnAfterMs` is reported, so an operator hears of a stall before what it endangers is lost (a runtime's
// partition leases lapse when their renewal waits longer than their TTL: docs/deployment.md). Watches of one tick
// length share one timer, so a process running both an edge and a runtime (`clawbot start`) wakes once a tick for both.
import { performance } from "node:perf_hooks"

/** How often the watch's timer is due: the finest stall it tells apart. */
export const STALL_TICK_MS = 100

export interface EventLoopWatch {
  stop(): void
}

interface WatchOptions {
  /** Each tick's lateness, in seconds (0 when on time). */
  readonly observe: (seconds: number) => void
  /** A stall longer than `warnAfterMs`: how long the loop did not turn, in ms. */
  readonly stalled: (ms: number) => void
  readonly warnAfterMs: number
  readonly tickMs?: number
}

/** The watches of one tick length, and the timer they share while there is one. */
interface SharedTick {
  readonly watches: Set<WatchOptions>
  readonly timer: NodeJS.Timeout
}

const ticks = new Map<number, SharedTick>()

const startTick = (tickMs: number): SharedTick => {
  const watches = new Set<WatchOptions>()
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const late = Math.max(0, now - last - tickMs)
    last = now
    for (const watch of watches) {
      watch.observe(late / 1000)
      if (late > watch.warnAfterMs) watch.stalled(Math.round(late))
    }
  }, tickMs)
  // The watch never keeps a process alive that has nothing else to do.
  timer.unref()
  return { watches, timer }
}

export const watchEventLoop = (options: WatchOptions): EventLoopWatch => {
  const tickMs = options.tickMs ?? STALL_TICK_MS
  const tick = ticks.get(tickMs) ?? startTick(tickMs)
  ticks.set(tickMs, tick)
  // Its own entry, so one options object given twice makes two watches, each stopped on its own.
  const watch = { ...options }
  tick.watches.add(watch)
  return {
    stop: () => {
      tick.watches.delete(watch)
      if (tick.watches.size > 0 || ticks.get(tickMs) !== tick) return
      clearInterval(tick.timer)
      ticks.delete(tickMs)
    },
  }
}
