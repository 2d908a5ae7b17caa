// The `fleet` topic of /ws/events (beyond PROTOCOL v1.1): every second, while a socket of this edge follows
// it, the edge reads the deployment's inbox lag (redis/inbox-backlog.ts) and the dead letters' total and
// publishes them as one `fleet` frame, so a dashboard charts them live without polling. Nothing is read
// while no socket follows the topic. The age of the oldest waiting entry is this edge's clock against
// the entry's Redis time, so it is off by the skew between the two machines' clocks.
import type { Redis } from "ioredis"
import type uWS from "uWebSockets.js"
import { errorFields, type Logger } from "../log.ts"
import { deadLetterCount } from "../redis/dead-letters.ts"
import { inboxBacklog } from "../redis/inbox-backlog.ts"
import type { Keys } from "../redis/keys.ts"
import { encodeFrame, EventServerFrame, type FleetNotice } from "../schema/frames.ts"
import type { Metrics } from "./context.ts"
import { SENT_METRIC } from "./sockets/send.ts"

export const FLEET_TOPIC = "fleet"
export const FLEET_INTERVAL_MS = 1_000

export interface FleetNoticesOptions {
  readonly app: uWS.TemplatedApp
  readonly redis: Redis
  readonly keys: Keys
  readonly partitions: number
  readonly clock: () => number
  readonly log: Logger
  readonly metrics: Metrics
}

/** The fleet's figures now. */
export const readFleet = async (options: Omit<FleetNoticesOptions, "app" | "log" | "metrics">): Promise<FleetNotice> => {
  const { redis, keys, partitions, clock } = options
  const [backlog, deadLetters] = await Promise.all([inboxBacklog(redis, keys, partitions), deadLetterCount(redis, keys, partitions)])
  return {
    inbox_entries: backlog.entries,
    oldest_entry_age_ms: backlog.oldestAt === null ? null : Math.max(0, clock() - backlog.oldestAt),
    dead_letters: deadLetters,
  }
}

/** Starts the sampler; the function it returns stops it. A failed read is logged once until one succeeds. */
export const startFleetNotices = (options: FleetNoticesOptions): (() => void) => {
  const { app, log, metrics } = options
  let reading = false
  let failing = false
  let stopped = false
  const tick = async () => {
    if (stopped || reading || app.numSubscribers(FLEET_TOPIC) === 0) return
    reading = true
    try {
      const notice = await readFleet(options)
      failing = false
      const subscribers = stopped ? 0 : app.numSubscribers(FLEET_TOPIC)
      if (subscribers === 0) return
      app.publish(FLEET_TOPIC, encodeFrame(EventServerFrame, { type: "fleet", payload: notice }, options.clock()))
      metrics.inc(SENT_METRIC, { socket: "events" }, subscribers)
    } catch (error) {
      if (!failing) log.warn("fleet figures not read", errorFields(error))
      failing = true
    } finally {
      reading = false
    }
  }
  const timer = setInterval(() => void tick(), FLEET_INTERVAL_MS)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
  }
}
