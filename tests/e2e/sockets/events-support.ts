// Synthetic event-stream entries for the event-socket tests, written straight to the deployment's
// event stream (as the runtime writes them) so a test controls exactly what is published and when.
import { scriptsOn } from "../../../src/redis/scripts.ts"
import { decodeEventStreamEntry } from "../../../src/schema/event-stream.ts"
import type { Topic } from "../../../src/schema/events.ts"
import type { SocketEdge } from "./harness.ts"

let sequence = 0

/** One task transition on `tasks`, `task:<taskId>`, any `extra` topics and `machines`; `padding` bytes of patch. */
export const taskEvent = (taskId: string, { extra = [] as string[], padding = 0 } = {}): Record<string, string> => {
  sequence += 1
  return {
    type: "event",
    topics: ["tasks", `task:${taskId}`, ...extra, "machines"].join(","),
    body: JSON.stringify({
      id: `1-${sequence}:0`,
      kind: "task",
      actor_id: taskId,
      version: sequence,
      from: "ready",
      to: "assigned",
      event: "ASSIGN",
      patch: { sequence, ...(padding > 0 ? { padding: "x".repeat(padding) } : {}) },
      at: new Date().toISOString(),
    }),
  }
}

/** Appends entries to the event stream (trimmed to about `maxLen`); their stream ids in order. */
export const produce = (edge: SocketEdge, entries: ReadonlyArray<Record<string, string>>, maxLen = 1_000_000): Promise<string[]> =>
  scriptsOn(edge.deployment.redis).publish(edge.ctx.keys.events, entries, maxLen)

/** The event ids the stream holds after `since` for `topic`, in stream order. */
export async function streamEventIds(edge: SocketEdge, topic: string, since: string): Promise<string[]> {
  const entries = await edge.deployment.redis.xrange(edge.ctx.keys.events, `(${since}`, "+")
  return entries.flatMap(([, fields]) => {
    const decoded = decodeEventStreamEntry(Object.fromEntries(fields.flatMap((value, i) => (i % 2 === 0 ? [[value, fields[i + 1]!]] : []))))
    if (!decoded.ok || decoded.value.type !== "event" || !decoded.value.topics.includes(topic as Topic)) return []
    return [decoded.value.event.id]
  })
}
