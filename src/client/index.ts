// clawbot-coordinator/client: the typed client of PROTOCOL.md, for browsers and Node alike (in Node 20,
// which has no global WebSocket, the package's Node entry ./node.ts supplies one). Subscriber and
// mirrors (live events and exact copies of actors), the bot (a control socket that runs handlers),
// and the admin client (every HTTP route).
export { backoffDelay, type BackoffOptions } from "./backoff.ts"
export * from "./admin/index.ts"
export {
  Bot,
  connectBot,
  type BotErrorContext,
  type BotOptions,
  type BotStatus,
  type CloseOptions,
  type SocketLoss,
  type TaskHandler,
} from "./bot/bot.ts"
export type { SendResult } from "./bot/outbox.ts"
export { TaskAborted, type TaskContext } from "./bot/task-context.ts"
export { ClawbotError, isClawbotError, type ClawbotErrorFields, type ErrorCode } from "./errors.ts"
export { requester, type FetchLike, type HttpOptions, type Requester } from "./http.ts"
export type { Mirror } from "./mirror.ts"
export { mirror, type MirrorOptions } from "./open-mirror.ts"
export { subscribe, Subscriber, type SubscribeOptions, type SubscriberStatus } from "./subscriber.ts"
export { useWebSocket, type WebSocketConstructor, type WebSocketLike } from "./transport.ts"
export { applyViewPatch } from "./view-patch.ts"
export type * from "./types.ts"
