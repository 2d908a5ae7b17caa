// The event subscriber the dashboard reads everything live through: one `/ws/events` socket with the
// token as `?token=` (browsers cannot set headers on a WebSocket). Each event is delivered once (a
// repeated `payload.id` is dropped); after a lost connection it reconnects with backoff and resumes
// with `since=<the last cursor>`, so no transition is lost or repeated. When it cannot resume (no
// cursor yet, or the server answers that the cursor fell out of the retained stream) it goes live
// again and tells its `onReset` listeners, which read their copies again.
// Same shape as the client SDK's Subscriber (src/client/subscriber.ts on h-sdk): see docs/dashboard.md.
import type { ActorEvent } from "./types.ts"

export type SubscriberStatus = "connecting" | "open" | "reconnecting" | "closed"

export interface SubscribeOptions {
  readonly token?: string | undefined
  readonly topics: ReadonlyArray<string>
  readonly onStatus?: (status: SubscriberStatus) => void
  readonly onError?: (error: { code: string; message: string }) => void
}

export interface Subscriber {
  /** The last event's cursor: where a reconnection resumes. */
  readonly cursor: string | undefined
  onEvent(listener: (event: ActorEvent) => void): () => void
  /** Called when events may have been missed (first connection, or a resume the server refused). */
  onReset(listener: () => void): () => void
  close(): void
}

/** Event ids remembered to drop repeats. */
const SEEN_WINDOW = 10_000
const MAX_DELAY_MS = 5_000

const socketUrl = (options: SubscribeOptions, since: string | undefined): string => {
  const { protocol, host } = window.location
  const query = new URLSearchParams({ topics: options.topics.join(",") })
  if (options.token) query.set("token", options.token)
  if (since !== undefined) query.set("since", since)
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}/ws/events?${query}`
}

export function subscribe(options: SubscribeOptions): Subscriber {
  const eventListeners = new Set<(event: ActorEvent) => void>()
  const resetListeners = new Set<() => void>()
  const seen = new Set<string>()
  let cursor: string | undefined
  let socket: WebSocket | undefined
  let closed = false
  let failures = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  const status = (value: SubscriberStatus) => options.onStatus?.(value)
  const reset = () => {
    for (const listener of [...resetListeners]) listener()
  }
  const remember = (id: string): boolean => {
    if (seen.has(id)) return false
    seen.add(id)
    if (seen.size > SEEN_WINDOW) seen.delete(seen.values().next().value as string)
    return true
  }

  const onMessage = (ws: WebSocket, text: string) => {
    const frame = JSON.parse(text) as { type: string; cursor?: string; payload?: Record<string, unknown> }
    if (frame.type === "event" && frame.payload !== undefined && frame.cursor !== undefined) {
      cursor = frame.cursor
      const event = { ...frame.payload, cursor: frame.cursor } as unknown as ActorEvent
      if (!remember(event.id)) return
      for (const listener of [...eventListeners]) listener(event)
    } else if (frame.type === "error") {
      const error = frame.payload as { code: string; message: string }
      options.onError?.(error)
      // The cursor cannot be resumed: go live from now and read everything again.
      if (error.message.startsWith("since:")) {
        cursor = undefined
        ws.send(JSON.stringify({ type: "subscribe", payload: { topics: options.topics } }))
        reset()
      }
    }
  }

  const connect = () => {
    const since = cursor
    status(failures === 0 && socket === undefined ? "connecting" : "reconnecting")
    const ws = new WebSocket(socketUrl(options, since))
    socket = ws
    ws.onopen = () => {
      failures = 0
      status("open")
      if (since === undefined) reset()
    }
    ws.onmessage = (message) => onMessage(ws, String(message.data))
    ws.onclose = () => {
      if (closed || socket !== ws) return
      status("reconnecting")
      const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** failures++)
      timer = setTimeout(connect, delay / 2 + Math.random() * (delay / 2))
    }
  }
  connect()

  return {
    get cursor() {
      return cursor
    },
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onReset(listener) {
      resetListeners.add(listener)
      return () => resetListeners.delete(listener)
    },
    close() {
      closed = true
      clearTimeout(timer)
      socket?.close()
      status("closed")
    },
  }
}
