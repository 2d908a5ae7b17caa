// Simulated bots for the `lifecycle` scenario, talking to the runtime through Redis only (no
// edge): they tail the event stream, answer every `task_assigned` push to one of their agents
// by appending START then COMPLETE (a bot whose work takes no time), and note when each task's
// `completed` transition was published, which happens only after Postgres committed it.
import type { Redis } from "ioredis"
import { readEvents, type StreamEntry } from "../../src/redis/streams.ts"
import type { AppendFn } from "../../src/runtime/append.ts"
import { epochMs } from "./clock.ts"

export interface StreamBots {
  /** Task id → epoch ms when its `completed` event was read. */
  readonly completed: ReadonlyMap<string, number>
  /** The first failed append or read. */
  failure(): string | undefined
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

export const startStreamBots = (options: { readonly reader: Redis; readonly events: string; readonly append: AppendFn }): StreamBots => {
  const { reader, events, append } = options
  const completed = new Map<string, number>()
  let failure: string | undefined
  let running = true

  const work = (agentId: string, push: Push) => {
    const { task_id: id, attempt } = push.payload
    const answer = (type: string) =>
      append({
        kind: "task",
        id,
        type,
        payload: { agentId, ...(type === "COMPLETE" ? { result: { ok: true } } : {}) },
        cmdId: `bench/${id}/${attempt}/${type}`,
      })
    answer("START")
      .then(() => answer("COMPLETE"))
      .catch((error: unknown) => (failure ??= String(error)))
  }

  const see = ({ fields }: StreamEntry) => {
    if (fields["type"] === "push") {
      const push = JSON.parse(fields["body"] ?? "{}") as Push
      const agentId = fields["topics"]?.slice("control:".length)
      if (push.type === "task_assigned" && agentId) work(agentId, push)
    } else if (fields["type"] === "event" && fields["topics"]?.startsWith("tasks")) {
      const event = JSON.parse(fields["body"] ?? "{}") as Transition
      if (event.kind === "task" && event.to === "completed" && !completed.has(event.actor_id)) completed.set(event.actor_id, epochMs())
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
  tail.catch((error: unknown) => (failure ??= String(error)))

  return {
    completed,
    failure: () => failure,
    async stop() {
      running = false
      await tail.catch(() => undefined)
    },
  }
}
