// The Node entry of clawbot-coordinator/client: everything of ./index.ts, with the `ws` package as
// the WebSocket (Node 20 has none built in). Browsers and bundlers get ./index.ts instead.
// Unlike a browser's, this WebSocket reads the answer to a refused upgrade (its status and error
// body) before it fails, so a bot or subscriber the server refuses for good stops with the server's
// own `{code, message, ref}` (./socket.ts).
import type { IncomingMessage } from "node:http"
import WebSocket from "ws"
import { useWebSocket, type UpgradeRefusal, type WebSocketConstructor } from "./transport.ts"

/** A refusal's body is read up to this many bytes (PROTOCOL's error bodies are far smaller). */
const MAX_REFUSAL_BYTES = 64 * 1024

/** The `ws` package's WebSocket, keeping a refused upgrade's status and body as `refusal`. */
class NodeWebSocket extends WebSocket {
  refusal: UpgradeRefusal | undefined

  constructor(url: string) {
    super(url)
    // With a listener here, `ws` leaves the refused handshake to it: read the answer, then fail it
    // (error and close follow, as without the listener).
    this.once("unexpected-response", (_request, response: IncomingMessage) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        if (body.length < MAX_REFUSAL_BYTES) body += chunk
      })
      const fail = () => {
        this.refusal ??= { status: response.statusCode ?? 0, body: body.slice(0, MAX_REFUSAL_BYTES) }
        this.terminate()
      }
      response.once("end", fail)
      response.once("error", fail)
      response.once("close", fail)
    })
  }
}

useWebSocket(NodeWebSocket as unknown as WebSocketConstructor)

export * from "./index.ts"
