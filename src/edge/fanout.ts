// The edge's one reader of the event stream and of its own reply stream: one XREAD BLOCK over both,
// on a connection of its own, from their ends at start-up; each entry decoded with its Schema and
// handed on: transitions are published on their uWS topics, pushes on their bot's control topic,
// the runtime's answers to this edge's commands to their waiters.
// A Redis failure is retried with capped backoff, resuming after the last entry handled.
// Entries are handled synchronously batch by batch, so `lastId()` is always the id of the last
// entry whose frames are already published (the event socket's replay relies on it). While no event
// socket is open on this edge (a fleet of bots and no dashboard), transitions are passed over unread:
// only event sockets subscribe to their topics, and one opened later replays from its `since`. A push
// for a bot with no control socket on this edge is passed over unread too. Each `task_assigned` pushed here is
// told to the control sockets (`onAssigned`), which make room for the bot's reports on it.
import type { Redis } from "ioredis"
import type uWS from "uWebSockets.js"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import { readStreams, type StreamEntry } from "../redis/streams.ts"
import { decodeEventStreamEntry, eventEntryTopics, parsedEntryBody } from "../schema/event-stream.ts"
import { encodeServerFrame } from "../schema/frames.ts"
import type { Metrics, Replies } from "./context.ts"
import type { CancellationsSeen } from "./cancellations-seen.ts"
import { createReplies } from "./replies.ts"
import { eventFramer } from "./sockets/event-frames.ts"
import { SENT_METRIC } from "./sockets/send.ts"

export interface Fanout {
  /** Fed by the `reply` entries of the event stream. */
  readonly replies: Replies
  /** Id of the last event-stream entry the reader has handled ("0-0" before the stream's first). */
  lastId(): string
  /** An event socket opened: transitions are looked at while one is open. Call the function returned once it closed. */
  follow(): () => void
  /** `listener` is told of each `task_assigned` pushed to a bot on this edge (its agent id), once it was sent. */
  onAssigned(listener: (agentId: string) => void): void
  stop(): Promise<void>
}

export interface FanoutOptions {
  readonly app: uWS.TemplatedApp
  /** Its own connection, held by XREAD BLOCK. */
  readonly blocking: Redis
  readonly redis: Redis
  readonly keys: Keys
  readonly log: Logger
  readonly metrics: Metrics
  readonly edgeId: string
  /** Stamps the pushed frames (`timestamp`: when this edge sends them). */
  readonly clock: () => number
  /** Told of every `task_cancelled` push while some deregistration waits for one. */
  readonly cancellations: CancellationsSeen
  /**
   * Entries per read (default 100): one read is published in one go, so a read's worth of events must
   * fit in a subscriber's socket buffer plus limits.maxBackpressureBytes, or even a fast subscriber is
   * dropped; and how long one read blocks (default 5 s; stop() unblocks it).
   */
  readonly count?: number
  readonly blockMs?: number
}

const RETRY_BASE_MS = 50
const RETRY_MAX_MS = 2_000

/** The id of the stream's newest entry, or "0-0" when it has none. */
async function newestId(redis: Redis, stream: string): Promise<string> {
  const [newest] = await redis.xrevrange(stream, "+", "-", "COUNT", 1)
  return newest?.[0] ?? "0-0"
}

export const startFanout = async (options: FanoutOptions): Promise<Fanout> => {
  const { app, blocking, redis, keys, log, metrics, edgeId } = options
  const count = options.count ?? 100
  const blockMs = options.blockMs ?? 5_000
  const replies = createReplies(edgeId)
  // The blocking connection's id, for CLIENT UNBLOCK at stop; it changes when the connection is made again.
  let clientId = Number(await blocking.client("ID"))
  let reconnected = false
  const onReady = () => {
    reconnected = true
  }
  blocking.on("ready", onReady)
  let last = await newestId(redis, keys.events)
  // This edge's own reply stream: answers to commands it appends from now on.
  const replyStream = keys.replies(edgeId)
  let lastReply = await newestId(redis, replyStream)
  let running = true
  let wake: (() => void) | undefined
  /** Event sockets open on this edge. */
  let followers = 0
  /** Told of each `task_assigned` pushed here (the control sockets: room for the bot's reports). */
  const assigned: Array<(agentId: string) => void> = []

  /** Publishes on `topic` when it has subscribers (the frame is only built then). */
  const publish = (topic: string, socket: "events" | "control", frame: () => string) => {
    const subscribers = app.numSubscribers(topic)
    if (subscribers === 0) return
    app.publish(topic, frame())
    metrics.inc(SENT_METRIC, { socket }, subscribers)
  }

  /** An event while no event socket of this edge follows anything (the common case without dashboards), or a push for
   * a bot whose control socket is on another edge: not even parsed. */
  const unheard = ({ type, topics }: StreamEntry["fields"]): boolean => {
    if (type === "push") return topics !== undefined && app.numSubscribers(topics) === 0
    return type === "event" && followers === 0
  }

  /** An event none of whose topics has a subscriber here (eventEntryTopics reads no other entry's): not decoded (its
   * body parsed once, for this look and the decode). */
  const unfollowed = (fields: StreamEntry["fields"], body: unknown): boolean =>
    eventEntryTopics(fields, body)?.every((topic) => app.numSubscribers(topic) === 0) ?? false

  const handle = (entry: StreamEntry) => {
    // While a deregistration waits for `task_cancelled` pushes (`cancellations`), every push is decoded (once) and
    // noted, whoever subscribes to it here.
    const noting = entry.fields["type"] === "push" && options.cancellations.watching()
    if (!noting && unheard(entry.fields)) return
    const body = parsedEntryBody(entry.fields)
    if (unfollowed(entry.fields, body)) return
    const decoded = decodeEventStreamEntry(entry.fields, body)
    if (!decoded.ok) {
      log.warn("malformed event-stream entry skipped", { id: entry.id, error: decoded.error.message })
      return
    }
    const value = decoded.value
    switch (value.type) {
      case "event": {
        const frameFor = eventFramer(value.event, entry.id)
        for (const topic of value.topics) publish(topic, "events", () => frameFor(topic))
        return
      }
      case "push":
        if (noting && value.frame.type === "task_cancelled") options.cancellations.seen(value.agentId, value.frame.payload.taskId)
        publish(`control:${value.agentId}`, "control", () => encodeServerFrame(value.frame, options.clock()))
        if (value.frame.type === "task_assigned") for (const listener of assigned) listener(value.agentId)
        return
      case "reply":
        return replies.deliver(value.replyTo, value.reply)
    }
  }

  const handleSafely = (entry: StreamEntry) => {
    try {
      handle(entry)
    } catch (error) {
      log.error("event-stream entry could not be fanned out", { id: entry.id, ...errorFields(error) })
    }
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  const loop = async () => {
    for (let failures = 0; running; ) {
      let entries: StreamEntry[]
      try {
        if (reconnected) {
          reconnected = false
          clientId = Number(await blocking.client("ID"))
        }
        const read = await readStreams(
          blocking,
          [
            [keys.events, last],
            [replyStream, lastReply],
          ],
          count,
          blockMs,
        )
        entries = read.get(keys.events) ?? []
        for (const entry of read.get(replyStream) ?? []) {
          handleSafely(entry)
          lastReply = entry.id
        }
      } catch (error) {
        if (!running) return
        failures += 1
        log.warn("event stream read failed; retrying", { after: last, failures, ...errorFields(error) })
        await pause(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1)))
        continue
      }
      if (failures > 0) log.info("event stream readable again", { after: last, failures })
      failures = 0
      for (const entry of entries) {
        handleSafely(entry)
        last = entry.id
      }
    }
  }
  const done = loop()

  return {
    replies,
    lastId: () => last,
    follow: () => {
      followers += 1
      let following = true
      return () => {
        if (following) followers -= 1
        following = false
      }
    },
    onAssigned: (listener) => void assigned.push(listener),
    stop: async () => {
      running = false
      blocking.off("ready", onReady)
      wake?.()
      // Ends a blocked XREAD now rather than after blockMs (best effort: Redis may be down).
      await redis.client("UNBLOCK", clientId).catch(() => undefined)
      await done
      replies.close()
    },
  }
}
