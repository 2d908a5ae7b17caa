// The client SDK against a socket test edge (./harness.ts): the edge's base URL, a subscriber that
// records the events it delivers (once each, as the SDK delivers them) with a wait for the next
// matching one, a `ws` WebSocket that keeps every socket it opens and the frames sent, so a test can
// pause one's TCP reads (a slow subscriber), see how it closed, or when a bot last heartbeated, and an
// SDK bot of one of the edge's agents.
import WebSocket from "ws"
import {
  type BotOptions,
  connectBot,
  subscribe,
  type SubscribedEvent,
  type Subscriber,
  type SubscribeOptions,
  type WebSocketConstructor,
} from "../../../src/client/node.ts"
import { FAST_BACKOFF } from "../client/support.ts"
import type { SocketEdge } from "./harness.ts"

export const baseUrl = (edge: SocketEdge): string => `http://127.0.0.1:${edge.port}`

export interface Recorder {
  readonly subscriber: Subscriber
  /** Every event delivered, in order. */
  readonly events: SubscribedEvent[]
  /** The first delivered event matching, seen or to come. */
  next(match: (event: SubscribedEvent) => boolean): Promise<SubscribedEvent>
}

/** A subscriber of `edge` (open when this resolves) recording what it delivers. */
export async function recordEvents(edge: SocketEdge, options: Omit<SubscribeOptions, "url">): Promise<Recorder> {
  const events: SubscribedEvent[] = []
  const waiters = new Set<{ match: (event: SubscribedEvent) => boolean; resolve: (event: SubscribedEvent) => void }>()
  const subscriber = subscribe({ backoff: FAST_BACKOFF, ...options, url: baseUrl(edge) })
  subscriber.onEvent((event) => {
    events.push(event)
    for (const waiter of [...waiters]) {
      if (!waiter.match(event)) continue
      waiters.delete(waiter)
      waiter.resolve(event)
    }
  })
  await subscriber.ready()
  return {
    subscriber,
    events,
    next: (match) => {
      const seen = events.find(match)
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.add({ match, resolve }))
    },
  }
}

/** The ids of `events` (of `actorId` only, when given), in order. */
export const idsOf = (events: ReadonlyArray<SubscribedEvent>, actorId?: string): string[] =>
  events.filter((event) => actorId === undefined || event.actor_id === actorId).map((event) => event.id)

export interface KeptSockets {
  /** The WebSocket to pass as the client's `WebSocket` option. */
  readonly WebSocket: WebSocketConstructor
  /** Every socket opened through it, in order, with how each closed once it has. */
  readonly sockets: Array<{ readonly ws: WebSocket; readonly closed: Promise<{ code: number; reason: string }> }>
  /** The type of every frame sent through them and when (Date.now()), in order. */
  readonly sent: Array<{ readonly type: string; readonly at: number }>
}

/** `drop`: frame types the "network" loses (never sent, nor listed in `sent`). */
export function keptSockets({ drop = () => false }: { drop?: (type: string) => boolean } = {}): KeptSockets {
  const sockets: KeptSockets["sockets"] = []
  const sent: KeptSockets["sent"] = []
  class Kept extends WebSocket {
    constructor(url: string) {
      super(url)
      sockets.push({
        ws: this,
        closed: new Promise((resolve) => this.once("close", (code, reason) => resolve({ code, reason: String(reason) }))),
      })
    }
    override send(data: string): void {
      const type = String((JSON.parse(data) as { type?: unknown }).type)
      if (drop(type)) return
      sent.push({ type, at: Date.now() })
      super.send(data)
    }
  }
  return { WebSocket: Kept as unknown as WebSocketConstructor, sockets, sent }
}

/**
 * An SDK bot of `agent` on `edge`. The socket harness serves no HTTP, so the bot is told its
 * concurrency (default 1) rather than reading its agent's max_concurrency.
 */
export const sdkBot = (edge: SocketEdge, agent: { token: string }, options: Partial<BotOptions> = {}) =>
  connectBot({ backoff: FAST_BACKOFF, concurrency: 1, ...options, url: baseUrl(edge), token: agent.token })
