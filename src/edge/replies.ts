// The runtime's answers to this edge's commands: hands out reply addresses (`<edgeId>:<n>`) and
// delivers each `reply` entry of the event stream to whoever waits or listens for its address.
import type { Replies, Reply } from "./context.ts"

/** Answers that arrived before anyone waited for them, kept (oldest dropped first) so a caller that
 * awaits something between its append and its `wait` still gets its answer. */
const EARLY_REPLIES_KEPT = 1024

export interface ReplyHub extends Replies {
  /** Hands one `reply` entry of the event stream to its waiter or listener (ignores other edges' addresses). */
  deliver(replyTo: string, reply: Reply): void
  /** Resolves every pending `wait` with undefined (shutdown). */
  close(): void
}

/** The prefixes `replyTo` could be listened under: cut at each `:` or `.` (with and without it), and whole. */
function* prefixesOf(replyTo: string): Generator<string> {
  for (let i = 0; i < replyTo.length; i++) {
    const c = replyTo[i]
    if (c === ":" || c === ".") {
      yield replyTo.slice(0, i)
      yield replyTo.slice(0, i + 1)
    }
  }
  yield replyTo
}

/**
 * Replies of one edge process. `listen(prefix)` matches addresses that start with `prefix` where
 * `prefix` ends at a `:` / `.` boundary of the address or is the whole address, e.g.
 * `listen(address() + ".")` hears `<address>.1`, `<address>.2`, ...
 */
export const createReplies = (edgeId: string): ReplyHub => {
  const own = `${edgeId}:`
  let next = 0
  const waiters = new Map<string, (reply: Reply | undefined) => void>()
  const listeners = new Map<string, (replyTo: string, reply: Reply) => void>()
  const early = new Map<string, Reply>()

  const listenerFor = (replyTo: string) => {
    for (const prefix of prefixesOf(replyTo)) {
      const listener = listeners.get(prefix)
      if (listener) return listener
    }
    return undefined
  }

  return {
    address: () => `${edgeId}:${(next += 1)}`,

    wait: (replyTo, timeoutMs) => {
      const arrived = early.get(replyTo)
      if (arrived) {
        early.delete(replyTo)
        return Promise.resolve(arrived)
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => settle(undefined), timeoutMs)
        const settle = (reply: Reply | undefined) => {
          clearTimeout(timer)
          waiters.delete(replyTo)
          resolve(reply)
        }
        waiters.set(replyTo, settle)
      })
    },

    listen: (prefix, onReply) => {
      listeners.set(prefix, onReply)
      return () => {
        if (listeners.get(prefix) === onReply) listeners.delete(prefix)
      }
    },

    deliver: (replyTo, reply) => {
      if (!replyTo.startsWith(own)) return
      const waiter = waiters.get(replyTo)
      if (waiter) return waiter(reply)
      const listener = listenerFor(replyTo)
      if (listener) return listener(replyTo, reply)
      early.set(replyTo, reply)
      if (early.size > EARLY_REPLIES_KEPT) early.delete(early.keys().next().value as string)
    },

    close: () => {
      for (const settle of [...waiters.values()]) settle(undefined)
    },
  }
}
