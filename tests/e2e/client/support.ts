// Test support for the client SDK's e2e tests: a WebSocket whose connections a test can hold back
// (a closed gate sends each try to a port nobody listens on, so the client keeps retrying), one
// whose `subscribe` frames a test can hold back (a network slow on that socket), and small waits on
// a client's state.
import WebSocket from "ws"
import { mirror, type TaskView, type WebSocketConstructor } from "../../../src/client/node.ts"

export interface Gate {
  /** The WebSocket to pass as the client's `WebSocket` option. */
  readonly WebSocket: WebSocketConstructor
  /** Connections tried from now on fail (those open stay open). */
  close(): void
  open(): void
  /** URLs of the connections let through, in order. */
  readonly urls: string[]
}

export function gate(): Gate {
  let open = true
  const urls: string[] = []
  class Gated extends WebSocket {
    constructor(url: string) {
      if (open) urls.push(url)
      super(open ? url : "ws://127.0.0.1:9/closed")
    }
  }
  return {
    WebSocket: Gated as unknown as WebSocketConstructor,
    urls,
    close: () => void (open = false),
    open: () => void (open = true),
  }
}

export interface SubscribeHold {
  /** The WebSocket to pass as the client's `WebSocket` option. */
  readonly WebSocket: WebSocketConstructor
  /** Every socket opened through it, in order. */
  readonly sockets: WebSocket[]
  /** `subscribe` frames sent from now on are held back. */
  hold(): void
  /** Sends the frames held, in order, and holds no more. */
  release(): void
}

export function subscribeHold(): SubscribeHold {
  let holding = false
  const held: Array<() => void> = []
  const sockets: WebSocket[] = []
  class Held extends WebSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
    override send(data: string): void {
      const isSubscribe = (JSON.parse(data) as { type?: unknown }).type === "subscribe"
      if (holding && isSubscribe) held.push(() => super.send(data))
      else super.send(data)
    }
  }
  return {
    WebSocket: Held as unknown as WebSocketConstructor,
    sockets,
    hold: () => void (holding = true),
    release: () => {
      holding = false
      for (const send of held.splice(0)) send()
    },
  }
}

/** Quick reconnects, for tests. */
export const FAST_BACKOFF = { initialMs: 20, maxMs: 200 } as const

/** A promise with its resolve exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Registers an agent with the operator client; its id and token. */
export async function registerAgent(
  api: { post(path: string, body?: unknown): Promise<{ status: number; body: { id: string; token: string } }> },
  capabilities: string[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string }> {
  const answer = await api.post("/api/v1/agents", { name: `sdk-${capabilities[0]}`, capabilities, ...extra })
  if (answer.status !== 201) throw new Error(`agent not registered: ${answer.status} ${JSON.stringify(answer.body)}`)
  return { id: answer.body.id, token: answer.body.token }
}

/** Resolves with the task's view once its status is `status` (a mirror of it, closed after). */
export async function taskReaches(server: { url: string; token: string }, id: string, status: string): Promise<TaskView> {
  const copy = mirror({ url: server.url, token: server.token }, "task", id)
  try {
    return await copy.until((view) => view.status === status)
  } finally {
    copy.close()
  }
}
