// Fleet simulator: plays the bots of a deployment. It tails the event stream, answers every
// `task_assigned` push to one of its agents with START then COMPLETE (what a bot does when
// the work itself takes no time), and notes when each task's `completed` transition was
// published, which happens only after that transition is committed to Postgres.
import type { Redis } from "ioredis"
import { readEvents, type StreamEntry } from "../src/redis/streams.ts"
import type { AppendFn } from "../src/runtime/append.ts"

export interface Fleet {
  /** Task id → Date.now() when its `completed` event was read. */
  readonly completed: Map<string, number>
  /** Resolves once `taskIds` have all completed; rejects on a failed append, after `timeoutMs` or once `signal` aborts. */
  allCompleted(taskIds: ReadonlySet<string>, timeoutMs: number, signal: AbortSignal): Promise<void>
  stop(): Promise<void>
}

interface Push {
  readonly type: string
  readonly payload: { readonly task_id: string; readonly attempt: number }
}

interface Transition {
  readonly kind: string
  readonly actor_id: string
  readonly to: string
}

export const startFleet = (options: { readonly reader: Redis; readonly events: string; readonly append: AppendFn }): Fleet => {
  const { reader, events, append } = options
  const completed = new Map<string, number>()
  let failure: unknown
  let running = true
  /** The tasks `allCompleted` still waits for. */
  const waiting = new Set<string>()

  const work = (agentId: string, push: Push) => {
    const { task_id: id, attempt } = push.payload
    const answer = (type: string) =>
      append({ kind: "task", id, type, payload: { agentId, ...(type === "COMPLETE" ? { result: { ok: true } } : {}) }, cmdId: `bench/${id}/${attempt}/${type}` })
    answer("START").then(() => answer("COMPLETE")).catch((error: unknown) => (failure ??= error))
  }

  const see = ({ fields }: StreamEntry) => {
    if (fields["type"] === "push") {
      const push = JSON.parse(fields["body"] ?? "{}") as Push
      const agentId = fields["topics"]?.slice("control:".length)
      if (push.type === "task_assigned" && agentId) work(agentId, push)
    } else if (fields["type"] === "event" && fields["topics"]?.startsWith("tasks")) {
      const event = JSON.parse(fields["body"] ?? "{}") as Transition
      if (event.kind === "task" && event.to === "completed" && !completed.has(event.actor_id)) {
        completed.set(event.actor_id, Date.now())
        waiting.delete(event.actor_id)
      }
    }
  }

  const tail = (async () => {
    let after = "0"
    while (running) {
      const entries = await readEvents(reader, events, after, 1000, 200)
      for (const entry of entries) see(entry)
      after = entries.at(-1)?.id ?? after
    }
  })()
  tail.catch((error: unknown) => (failure ??= error))

  return {
    completed,
    async allCompleted(taskIds, timeoutMs, signal) {
      const deadline = Date.now() + timeoutMs
      for (const id of taskIds) if (!completed.has(id)) waiting.add(id)
      while (waiting.size > 0) {
        if (failure !== undefined) throw failure
        signal.throwIfAborted()
        if (Date.now() > deadline) throw new Error(`fleet: ${taskIds.size - waiting.size} of ${taskIds.size} tasks completed after ${timeoutMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    async stop() {
      running = false
      await tail.catch(() => undefined)
    },
  }
}
