// Test support for the client's sockets without a server: a stand-in WebSocket that records every one made
// and lets the test open it, deliver frames to it, refuse its upgrade as the `ws` package does, or close it;
// the frames sent through it are kept parsed.
import type { CloseEventLike, MessageEventLike, UpgradeRefusal, WebSocketConstructor, WebSocketLike } from "../../src/client/transport.ts"

/** A WebSocket whose every connect the test opens or refuses. Reset `FakeSocket.made` before each use. */
export class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = []
  readyState = 0
  refusal: UpgradeRefusal | undefined
  /** The frames sent, parsed. */
  readonly sent: Array<{ type: string; id?: string; payload: { topics: string[] } }> = []
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: MessageEventLike) => void) | null = null
  onclose: ((event: CloseEventLike) => void) | null = null
  onerror: ((event: unknown) => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.made.push(this)
  }

  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  send(text: string): void {
    this.sent.push(JSON.parse(text))
  }

  close(code = 1000, reason = ""): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }

  /** Refuses the upgrade as `ws` does: an error naming the status, then a close 1006; the body kept when `body`. */
  refuse(status: number, body?: string): void {
    if (body !== undefined) this.refusal = { status, body }
    this.onerror?.({ message: `Unexpected server response: ${status}` })
    this.readyState = 3
    this.onclose?.({ code: 1006, reason: "" })
  }
}

/** FakeSocket as the client's `WebSocket` option. */
export const FakeWebSocket = FakeSocket as unknown as WebSocketConstructor

/** Resolves once `count` fake sockets have been made. */
export const socketsMade = async (count: number): Promise<void> => {
  while (FakeSocket.made.length < count) await new Promise((resolve) => setTimeout(resolve, 1))
}
