// The WebSocket the client uses: the browser's own (globalThis.WebSocket) unless one is given, e.g.
// the `ws` package in Node 20, which has no global WebSocket (src/client/node.ts installs it).
// Only the standard browser API is used, typed here structurally (no DOM lib needed).

export interface MessageEventLike {
  readonly data: unknown
}

export interface CloseEventLike {
  readonly code: number
  readonly reason: string
}

/** The HTTP answer to a refused upgrade: its status and body (PROTOCOL's `{error: {code, message, ref?}}`). */
export interface UpgradeRefusal {
  readonly status: number
  readonly body: string
}

/** What the client needs of a WebSocket: the browser API, which the `ws` package also offers. */
export interface WebSocketLike {
  readonly readyState: number
  /**
   * The answer to a refused upgrade, set before the socket closes, where the WebSocket can read it: the
   * Node entry's does (./node.ts); a browser's cannot (its error event says nothing, so the client
   * retries as after any failed connect).
   */
  readonly refusal?: UpgradeRefusal | undefined
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: MessageEventLike) => void) | null
  onclose: ((event: CloseEventLike) => void) | null
  onerror: ((event: unknown) => void) | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** readyState OPEN in the WebSocket API. */
export const OPEN = 1

let installed: WebSocketConstructor | undefined

/** Makes `impl` the WebSocket of every client created after this without its own `WebSocket` option. */
export function useWebSocket(impl: WebSocketConstructor): void {
  installed = impl
}

/** The WebSocket to use: the option, else the installed one, else the global one. */
export function webSocketImpl(option?: WebSocketConstructor): WebSocketConstructor {
  const impl = option ?? installed ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (impl === undefined) {
    throw new TypeError(
      "no WebSocket: in Node 20 import from clawbot-coordinator/client (its Node entry uses the ws package) or pass { WebSocket }",
    )
  }
  return impl
}

/** The text of a message event (frames are text; a binary one is decoded as UTF-8). */
export function messageText(event: MessageEventLike): string | undefined {
  const { data } = event
  if (typeof data === "string") return data
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data)
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array)
  return undefined
}
