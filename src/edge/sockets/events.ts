// The event subscription socket `GET /ws/events?topics=a,b&since=<stream id>` (PROTOCOL.md) for
// dashboards and subscribers: topics checked at the upgrade (400, no socket), `subscribe` /
// `unsubscribe` frames, and `since` replayed from the stream before going live (./replay.ts).
//
// Choices where PROTOCOL is silent:
// - Live events are uWS topic publishes: a socket subscribed to several topics of one event (say
//   `tasks` and `task:<id>`) gets it once per such topic, each frame naming its `topic`, with the
//   same `payload.id` (subscribers drop repeated ids, PROTOCOL says). A replayed event is sent the
//   same way, so replayed and live frames are alike.
// - `since` applies to the topics of the query and any subscribed during the replay; a topic
//   subscribed after it is live from then on. A `since` that cannot be replayed (trimmed:
//   `conflict`; after the newest event: `validation_failed`) is answered with an error and the
//   socket stays open with no topic: a `subscribe` frame goes live from now, or reconnect.
// - No token: the event socket is read-only; browsers must come from an allowed origin.
// - Slow subscribers: over limits.maxBackpressureBytes uWS closes the socket without a close
//   frame (1006) so it never silently misses an event; it reconnects with `since` = the last id it
//   saw. The others are not slowed. Such closes (indistinguishable from a vanished client) are
//   counted as clawbot_ws_messages_dropped_total{socket="events", reason="connection_dropped"}.
// - Close codes: 1009 payload_too_large, 4429 rate_limited (as the control socket), 1013 when the
//   replay failed (Redis unreachable: reconnect with `since`).
// - A socket follows at most quotas.maxTopics topics (`validation_failed` beyond); a bug in a
//   handler answers `internal` (./guard.ts).
// - Beyond PROTOCOL v1.1: a socket opened with `acks=1` is answered `ack {ref}` for each `subscribe`
//   or `unsubscribe` frame with an `id`, once its topics are in effect (every event appended to the
//   stream from then on is sent under them; during a replay, replayed and live alike). Without
//   `acks=1` nothing is sent for such a frame, as PROTOCOL has it. The SDK's mirrors use the ack to
//   let go of their bridge socket (src/client/bridge.ts).
import { Schema } from "effect"
import type uWS from "uWebSockets.js"
import { errorFields } from "../../log.ts"
import type { StreamEntry } from "../../redis/streams.ts"
import { StreamId } from "../../schema/common.ts"
import { decodeOr, type ErrorDetail, validationError } from "../../schema/errors.ts"
import { decodeEventStreamEntry } from "../../schema/event-stream.ts"
import { decodeFrame, encodeFrame, EventClientFrame, EventServerFrame, TopicsPayload } from "../../schema/frames.ts"
import type { EdgeContext } from "../context.ts"
import type { Fanout } from "../fanout.ts"
import { FrameBudget } from "../rate-limit.ts"
import { lowWaterMark, socketBehavior } from "./behavior.ts"
import { eventFramer } from "./event-frames.ts"
import { admitFrame, droppedByUws } from "./frame-guard.ts"
import { faultGuard } from "./guard.ts"
import type { SocketQuotas } from "./quotas.ts"
import { replayThenLive } from "./replay.ts"
import { corkIfOpen, drained, DROPPED_METRIC, type Paced, REJECTED_METRIC, releasePaced, sendText } from "./send.ts"
import type { Departing } from "./going-away.ts"

/** Close code when the replay failed (Redis unreachable): reconnect with `since`. */
export const REPLAY_FAILED_CLOSE = 1013

const SUBSCRIBERS = "clawbot_event_subscribers"
/** Abnormal closure: no close frame (uWS over the backpressure limit, or the client vanished). */
const NO_CLOSE_FRAME = 1006

export interface EventsData extends Paced, Departing {
  /** The topics asked for; subscribed in uWS once live. */
  readonly topics: Set<string>
  readonly since: string | undefined
  /** Opened with `acks=1`: `subscribe` / `unsubscribe` frames with an `id` are acked (beyond PROTOCOL v1.1). */
  readonly acks: boolean
  readonly budget: FrameBudget
  live: boolean
  /** Set by the server before it ends the socket itself. */
  ending: boolean
  /** Tells the fan-out this socket no longer follows the stream (set when it opens). */
  unfollow?: () => void
}

const SinceQuery = Schema.Struct({ since: StreamId })
const AcksQuery = Schema.Struct({ acks: Schema.Literal("1") })

export function eventsSocket(ctx: EdgeContext, fanout: Fanout, quotas: SocketQuotas): uWS.WebSocketBehavior<EventsData> {
  const { limits, metrics, log } = ctx
  /** The replay waits for the socket to drain below this before sending on. */
  const lowWater = lowWaterMark(limits)
  let open = 0

  const send = (ws: uWS.WebSocket<EventsData>, text: string) => sendText(ws, text, "events", metrics)
  const sendError = (ws: uWS.WebSocket<EventsData>, detail: ErrorDetail) => {
    metrics.inc(REJECTED_METRIC, { code: detail.code })
    send(ws, encodeFrame(EventServerFrame, { type: "error", payload: detail }, ctx.clock()))
  }
  const guard = faultGuard<EventsData>({ socket: "events", log, sendError })
  const tooManyTopics = (ref?: string) => validationError(`topics: at most ${quotas.maxTopics} per socket`, ref)
  const end = (ws: uWS.WebSocket<EventsData>, code: number, reason: string) => {
    ws.getUserData().ending = true
    ws.end(code, reason)
  }

  const goLive = (ws: uWS.WebSocket<EventsData>) => {
    const data = ws.getUserData()
    if (data.closed) return
    data.live = true
    for (const topic of data.topics) ws.subscribe(topic)
  }

  /** Replays one stream entry to the socket, then waits while its buffer is high. */
  const deliver = async (ws: uWS.WebSocket<EventsData>, entry: StreamEntry) => {
    const data = ws.getUserData()
    const decoded = decodeEventStreamEntry(entry.fields)
    if (!decoded.ok || decoded.value.type !== "event" || data.closed) return
    const { event, topics } = decoded.value
    const frameFor = eventFramer(event, entry.id)
    ws.cork(() => {
      for (const topic of topics) if (data.topics.has(topic)) send(ws, frameFor(topic))
    })
    await drained(ws, lowWater)
  }

  /** No replay after all: the socket stays open, with no topic, after an error. */
  const refuseReplay = (ws: uWS.WebSocket<EventsData>, detail: ErrorDetail) =>
    corkIfOpen(ws, () => {
      const data = ws.getUserData()
      data.topics.clear()
      data.live = true
      sendError(ws, detail)
    })

  const replay = (ws: uWS.WebSocket<EventsData>, since: string) => {
    const data = ws.getUserData()
    replayThenLive(
      { redis: ctx.redis, stream: ctx.keys.events, since, lastId: () => fanout.lastId() },
      { closed: () => data.closed, deliver: (entry) => deliver(ws, entry), goLive: () => goLive(ws) },
    )
      .then(
        (outcome) => {
          if (outcome.type === "trimmed") {
            const oldest = outcome.oldest === null ? "none is retained" : `the oldest retained is ${outcome.oldest}`
            refuseReplay(ws, { code: "conflict", message: `since: ${since} is older than the retained event stream; ${oldest}` })
          } else if (outcome.type === "ahead") {
            refuseReplay(ws, validationError(`since: ${since} is after the newest event ${outcome.newest}`).toBody().error)
          }
        },
        (error: unknown) => {
          log.warn("event replay failed", { since, ...errorFields(error) })
          corkIfOpen(ws, () => {
            sendError(ws, { code: "unavailable", message: "since: the replay failed (event stream unreachable); reconnect with since" })
            end(ws, REPLAY_FAILED_CLOSE, "unavailable")
          })
        },
      )
      .catch(guard.onSocket(ws, "replay"))
  }

  return guard.wrap({
    ...socketBehavior<EventsData>(limits, quotas, (upgrade) => {
      const topicsParam = upgrade.request.query("topics")
      const topics =
        topicsParam === "" ? { ok: true as const, value: { topics: [] } } : decodeOr(TopicsPayload, { topics: topicsParam.split(",") })
      if (!topics.ok) return upgrade.refuse(topics.error)
      if (topics.value.topics.length > quotas.maxTopics) return upgrade.refuse(tooManyTopics())
      const sinceParam = upgrade.request.query("since")
      const since = sinceParam === "" ? undefined : decodeOr(SinceQuery, { since: sinceParam })
      if (since !== undefined && !since.ok) return upgrade.refuse(since.error)
      const acksParam = upgrade.request.query("acks")
      const acks = acksParam === "" ? undefined : decodeOr(AcksQuery, { acks: acksParam })
      if (acks !== undefined && !acks.ok) return upgrade.refuse(acks.error)
      const data: EventsData = {
        topics: new Set(topics.value.topics),
        since: since?.value.since,
        acks: acks !== undefined,
        budget: new FrameBudget(limits.perConnectionPerSecond, ctx.clock),
        live: false,
        closed: false,
        ending: false,
      }
      upgrade.accept(data)
    }),

    open: (ws) => {
      const data = ws.getUserData()
      data.unfollow = fanout.follow()
      metrics.set(SUBSCRIBERS, (open += 1))
      const { since } = data
      if (since === undefined) goLive(ws)
      else replay(ws, since)
    },

    message: (ws, message) => {
      const bytes = admitFrame({ budget: ws.getUserData().budget, limits, quotas, metrics }, message, {
        error: (detail) => sendError(ws, detail),
        close: (code, reason) => end(ws, code, reason),
      })
      if (bytes === undefined) return
      const decoded = decodeFrame(EventClientFrame, bytes)
      if (!decoded.ok) return sendError(ws, decoded.error.toBody().error)
      const data = ws.getUserData()
      const { type, payload } = decoded.value
      if (type === "subscribe" && new Set([...data.topics, ...payload.topics]).size > quotas.maxTopics) {
        return sendError(ws, tooManyTopics(decoded.value.id).toBody().error)
      }
      for (const topic of payload.topics) {
        if (type === "subscribe") {
          data.topics.add(topic)
          if (data.live) ws.subscribe(topic)
        } else {
          data.topics.delete(topic)
          if (data.live) ws.unsubscribe(topic)
        }
      }
      const ref = decoded.value.id
      if (data.acks && ref !== undefined) send(ws, encodeFrame(EventServerFrame, { type: "ack", payload: { ref } }, ctx.clock()))
    },

    close: (ws, code, reason) => {
      const dropped = droppedByUws(code, reason)
      if (dropped !== undefined) metrics.inc(REJECTED_METRIC, { code: dropped })
      const data = ws.getUserData()
      releasePaced(data)
      data.unfollow?.()
      metrics.set(SUBSCRIBERS, (open -= 1))
      if (dropped === undefined && code === NO_CLOSE_FRAME && !data.ending)
        metrics.inc(DROPPED_METRIC, { socket: "events", reason: "connection_dropped" })
    },
  })
}
