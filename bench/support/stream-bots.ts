// Simulated bots for the `lifecycle` scenario, talking to the runtime through Redis only (no
// edge): they tail the event stream, answer every `task_assigned` push to one of their agents
// with START then COMPLETE (a bot whose work takes no time; two inbox entries, in that order), and
// note when each task's `completed` transition was published, which happens only after Postgres
// committed it. The answers to what one read of the stream brought go in one call (as a bulk
// producer would send them): the load generator shares the measured cores, so it spends as little
// of them as it can.
import type { Redis } from "ioredis"
import { readEvents, type StreamEntry } from "../../src/redis/streams.ts"
import type { AppendEachFn, EachCommand } from "../../src/runtime/append.ts"
import { decodeEventStreamEntry } from "../../src/schema/event-stream.ts"
import { epochMs } from "./clock.ts"

export interface StreamBots {
  /** Task id → epoch ms when its `completed` event was read. */
  readonly completed: ReadonlyMap<string, number>
  /** How many of `ids` are completed, kept as their events are read: the run's progress, looked at every few ms,
   * costs nothing per look (a scan of a 20,000-task run's ids at each look took a quarter of this process's
   * CPU, on the cores the measured processes run on). */
  follow(ids: ReadonlySet<string>): () => number
  /** The first failed append or read. */
  failure(): string | undefined
  stop(): Promise<void>
}

/** What a `task_assigned` push tells its bot (decoded: camelCase). */
interface Assignment {
  readonly taskId: string
  readonly attempt: number
}

export const startStreamBots = (options: {
  readonly reader: Redis
  readonly events: string
  readonly appendEach: AppendEachFn
}): StreamBots => {
  const { reader, events, appendEach } = options
  const completed = new Map<string, number>()
  const followed: Array<{ readonly ids: ReadonlySet<string>; done: number }> = []
  let failure: string | undefined
  let running = true

  /** The answers to the entries of the read being looked at. */
  let answers: EachCommand[] = []
  const work = (agentId: string, { taskId: id, attempt }: Assignment) => {
    const answer = (type: string, payload: Record<string, unknown>): EachCommand => ({
      kind: "task",
      id,
      type,
      payload: { agentId, attempt, ...payload },
      cmdId: `bench/${id}/${attempt}/${type}`,
    })
    answers.push(answer("START", {}), answer("COMPLETE", { result: { ok: true } }))
  }

  const see = ({ fields }: StreamEntry) => {
    const decoded = decodeEventStreamEntry(fields)
    if (!decoded.ok) return
    const entry = decoded.value
    if (entry.type === "push") {
      if (entry.frame.type === "task_assigned") work(entry.agentId, entry.frame.payload as unknown as Assignment)
    } else if (entry.type === "event") {
      const { kind, to, actorId } = entry.event
      if (kind === "task" && to === "completed" && !completed.has(actorId)) {
        completed.set(actorId, epochMs())
        for (const follower of followed) if (follower.ids.has(actorId)) follower.done += 1
      }
    }
  }

  const tail = (async () => {
    let after = "0"
    while (running) {
      const entries = await readEvents(reader, events, after, 1000, 200)
      for (const entry of entries) see(entry)
      if (answers.length > 0) {
        // One call: a task's START and COMPLETE are in one partition, appended in that order.
        Promise.all(appendEach(answers)).catch((error: unknown) => (failure ??= String(error)))
        answers = []
      }
      after = entries.at(-1)?.id ?? after
    }
  })()
  tail.catch((error: unknown) => (failure ??= String(error)))

  return {
    completed,
    follow(ids) {
      let done = 0
      for (const id of ids) if (completed.has(id)) done += 1
      const follower = { ids, done }
      followed.push(follower)
      return () => follower.done
    },
    failure: () => failure,
    async stop() {
      running = false
      await tail.catch(() => undefined)
    },
  }
}
