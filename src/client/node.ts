// The Node entry of clawbot-coordinator/client: everything of ./index.ts, with the `ws` package as
// the WebSocket (Node 20 has none built in). Browsers and bundlers get ./index.ts instead.
import WebSocket from "ws"
import { useWebSocket, type WebSocketConstructor } from "./transport.ts"

useWebSocket(WebSocket as unknown as WebSocketConstructor)

export * from "./index.ts"
