// The bytes a second one agent may send on its control sockets, counted in Redis so that every edge
// shares one budget (a token bucket, src/redis/scripts/byte-budget.lua, key `<prefix>:rl:ws-bytes:<agent id>`).
// Asking Redis for every frame would add a round trip to each one, so an edge lets an agent's frames
// through on its own while the bytes it has not yet reported stay within a small local share (1/16 of
// the budget): heartbeats and acks never wait. A frame that would take the unreported bytes over the
// share asks Redis, carrying them along; and whatever is left unreported is sent once a second in the
// background. So every byte is counted within a second, and all edges together can let through at most
// one local share per edge more than the budget before Redis refuses.
import type { Logger } from "../../log.ts"
import { errorFields } from "../../log.ts"
import type { Keys } from "../../redis/keys.ts"
import type { ByteBudget, RedisScripts } from "../../redis/scripts.ts"
import type { SocketQuotas } from "./quotas.ts"

/** Bytes an edge lets through for one agent without asking Redis: this fraction of the budget. */
const LOCAL_SHARE = 1 / 16
const REPORT_EVERY_MS = 1_000

export interface AgentBytes {
  /** Takes `bytes` of the agent's budget: the verdict now, or once Redis answered (rejects when it cannot). */
  take(agentId: string, bytes: number): boolean | Promise<boolean>
}

export interface AgentBytesOptions {
  readonly scripts: RedisScripts
  readonly keys: Keys
  readonly quotas: SocketQuotas
  readonly clock: () => number
  readonly log: Logger
}

/** The budget of PROTOCOL's quota: `bytesPerSecond`, bursts up to one second's worth or one largest frame. */
export const agentByteBudget = (quotas: SocketQuotas): ByteBudget => ({
  perSecond: quotas.bytesPerSecond,
  burst: Math.max(quotas.bytesPerSecond, quotas.maxFrameBytes),
})

export function sharedAgentBytes({ scripts, keys, quotas, clock, log }: AgentBytesOptions): AgentBytes {
  const budget = agentByteBudget(quotas)
  const share = Math.floor(quotas.bytesPerSecond * LOCAL_SHARE)
  const key = (agentId: string) => keys.rateLimit("ws-bytes", agentId)
  /** Bytes let through on this edge and not yet reported, per agent. */
  const unreported = new Map<string, number>()
  /** A report is due within REPORT_EVERY_MS. */
  let reportDue = false

  const report = () => {
    reportDue = false
    const now = clock()
    for (const [agentId, bytes] of unreported) {
      scripts
        .takeBytes(key(agentId), budget, bytes, 0, now)
        .catch((error: unknown) => log.debug("socket bytes not reported", { agentId, bytes, ...errorFields(error) }))
    }
    unreported.clear()
  }

  return {
    take(agentId, bytes) {
      const owed = unreported.get(agentId) ?? 0
      if (owed + bytes <= share) {
        unreported.set(agentId, owed + bytes)
        if (!reportDue) {
          reportDue = true
          setTimeout(report, REPORT_EVERY_MS).unref()
        }
        return true
      }
      unreported.delete(agentId)
      return scripts.takeBytes(key(agentId), budget, owed, bytes, clock())
    },
  }
}
