// Helper process: BullMQ workers on the bench's Redis, one per queue with its concurrency, each
// job a no-op returning { ok: true }. Reports how many jobs each queue completed (progress,
// every 100 ms) and, when asked, each job's completion time and, for jobs carrying `at` (the
// epoch ms they were added), the delay from add to the start of processing.
import { Worker } from "bullmq"
import { helperSide } from "./child.ts"
import type { Timed } from "../report.ts"
import { epochMs } from "./clock.ts"

export interface BullmqWorkerSettings {
  readonly redisUrl: string
  readonly prefix: string
  readonly queues: ReadonlyArray<{ readonly name: string; readonly concurrency: number }>
}

export interface BullmqProgress {
  readonly completed: Readonly<Record<string, number>>
}

export interface BullmqTimes {
  /** Job id → epoch ms of its completion, per queue. */
  readonly completedAt: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>>
  /** When each job that carried `at` was added, and the ms from then to the start of its processing. */
  readonly starts: ReadonlyArray<Timed>
}

const side = helperSide<BullmqWorkerSettings>()
const { redisUrl, prefix, queues } = side.settings
const completed: Record<string, number> = {}
const completedAt: Record<string, Array<[string, number]>> = {}
const starts: Timed[] = []

const workers = queues.map(({ name, concurrency }) => {
  completed[name] = 0
  completedAt[name] = []
  // BullMQ's workers need `maxRetriesPerRequest: null` on their blocking connection.
  const worker = new Worker(
    name,
    async (job) => {
      const at = (job.data as { at?: number }).at
      if (at !== undefined) starts.push([at, epochMs() - at])
      return { ok: true }
    },
    { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix, concurrency },
  )
  worker.on("completed", (job) => {
    completed[name] = (completed[name] ?? 0) + 1
    completedAt[name]?.push([job.id ?? "", epochMs()])
  })
  worker.on("failed", (_job, error) => side.fail(error))
  worker.on("error", (error) => side.fail(error))
  return worker
})

side.on("times", (): BullmqTimes => ({ completedAt, starts }))
setInterval(() => side.send({ type: "progress", completed }), 100).unref()
Promise.all(workers.map((worker) => worker.waitUntilReady())).then(side.ready, side.fail)
process.once("SIGTERM", () => {
  void Promise.all(workers.map((worker) => worker.close())).finally(() => process.exit(0))
})
