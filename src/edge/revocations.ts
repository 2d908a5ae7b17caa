// Token revocations shared by every edge process: a revocation (all tokens of an agent, on rotation or
// deregistration; one viewer token) is applied in this process at once, then PUBLISHed on the
// deployment's `<prefix>:revocations` channel; every edge applies what it hears (evict cached tokens,
// close the agent's control sockets with 4401). Messages are decoded with their Schema.
import { Schema } from "effect"
import type { Redis } from "ioredis"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import { decodeJsonOr } from "../schema/errors.ts"
import type { Revoked } from "./auth.ts"

const RevokedMessage = Schema.Struct({ kind: Schema.Literals(["agent", "viewer"]), id: Schema.String })

export interface Revocations {
  /** Applies `revoked` here now, then tells the other edges (best effort: their token cache also expires). */
  revoke(revoked: Revoked): Promise<void>
  /** Calls `listener` for each revocation, local or heard; returns the function that stops it. */
  onRevoked(listener: (revoked: Revoked) => void): () => void
  stop(): Promise<void>
}

const revocationChannel = (keys: Keys): string => `${keys.prefix}:revocations`

/**
 * Listens on `subscriber`, a ready connection of its own (a subscribed connection can do nothing else;
 * ioredis subscribes again after a reconnect), and publishes with `redis`.
 */
export const startRevocations = async (redis: Redis, subscriber: Redis, keys: Keys, log: Logger): Promise<Revocations> => {
  const channel = revocationChannel(keys)
  const listeners = new Set<(revoked: Revoked) => void>()
  const apply = (revoked: Revoked) => {
    for (const listener of listeners) {
      try {
        listener(revoked)
      } catch (error) {
        log.error("revocation listener failed", { ...revoked, ...errorFields(error) })
      }
    }
  }
  subscriber.on("message", (heard: string, text: string) => {
    if (heard !== channel) return
    const decoded = decodeJsonOr(RevokedMessage, text)
    if (decoded.ok) apply(decoded.value)
    else log.warn("revocation message not understood", { error: decoded.error.message })
  })
  await subscriber.subscribe(channel)
  return {
    async revoke(revoked) {
      apply(revoked)
      await redis.publish(channel, JSON.stringify(revoked)).catch((error: unknown) =>
        log.warn("revocation not published; other edges forget the token when their cache expires", {
          ...revoked,
          ...errorFields(error),
        }),
      )
    },
    onRevoked(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async stop() {
      listeners.clear()
      subscriber.disconnect()
    },
  }
}
