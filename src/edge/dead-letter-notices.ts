// Relays the dead letters' total, announced on the deployment's `<prefix>:dead-letters` channel by whoever adds
// or removes some (a runtime dead-lettering an entry, an edge replaying or deleting one), to the sockets of
// this edge that follow the `dead_letters` topic of /ws/events (a topic beyond PROTOCOL v1.1): a dashboard
// keeps the count live without polling. Messages are decoded with their Schema.
import type { Redis } from "ioredis"
import type uWS from "uWebSockets.js"
import type { Logger } from "../log.ts"
import { deadLetterChannel } from "../redis/dead-letters.ts"
import type { Keys } from "../redis/keys.ts"
import { decodeJsonOr } from "../schema/errors.ts"
import { DeadLettersNotice, encodeFrame, EventServerFrame } from "../schema/frames.ts"
import type { Metrics } from "./context.ts"
import { SENT_METRIC } from "./sockets/send.ts"

export const DEAD_LETTERS_TOPIC = "dead_letters"

/** Listens on `subscriber` (a subscribed connection of this edge's own, shared with the revocations). */
export const relayDeadLetterNotices = async (
  app: uWS.TemplatedApp,
  subscriber: Redis,
  keys: Keys,
  log: Logger,
  metrics: Metrics,
  clock: () => number,
): Promise<void> => {
  const channel = deadLetterChannel(keys)
  subscriber.on("message", (heard: string, text: string) => {
    if (heard !== channel) return
    const decoded = decodeJsonOr(DeadLettersNotice, text)
    if (!decoded.ok) return log.warn("dead letters' total not understood", { error: decoded.error.message })
    const subscribers = app.numSubscribers(DEAD_LETTERS_TOPIC)
    if (subscribers === 0) return
    app.publish(DEAD_LETTERS_TOPIC, encodeFrame(EventServerFrame, { type: "dead_letters", payload: decoded.value }, clock()))
    metrics.inc(SENT_METRIC, { socket: "events" }, subscribers)
  })
  await subscriber.subscribe(channel)
}
