// Scenario "lifecycle", peer side: BullMQ on the same Redis. N jobs added with one
// `Queue.addBulk`, one `Worker` with concurrency M×C that completes each job at once; a job
// counts as complete when the worker's `completed` event fires (the job was moved to the
// completed set with its return value, kept: BullMQ's default).
import { Queue, Worker } from "bullmq"
import type { BenchOptions } from "./options.ts"
import { peerSpace } from "./peer.ts"
import type { Measurement } from "./report.ts"

const QUEUE = "lifecycle"
const TIMEOUT_MS = 600_000

export interface BullmqRun extends Measurement {
  /** Jobs in the completed set afterwards (warm-up included). */
  readonly durable: number
}

export const bullmqLifecycle = async (options: BenchOptions, signal: AbortSignal): Promise<BullmqRun> => {
  const space = peerSpace(options.redisUrl)
  const { prefix, connection } = space
  const queue = new Queue(QUEUE, { connection, prefix })
  const worker = new Worker(QUEUE, async () => ({ ok: true }), { connection, prefix, concurrency: options.agents * options.concurrency })
  const completed = new Map<string, number>()
  let failure: unknown
  worker.on("completed", (job) => completed.set(job.id ?? "", Date.now()))
  worker.on("failed", (_job, error) => (failure ??= error))
  worker.on("error", (error) => (failure ??= error))

  const run = async (count: number, first: number) => {
    const submittedAt = Date.now()
    const jobs = await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: "bench", data: { i: first + i } })))
    const ids = jobs.map((job) => job.id ?? "")
    const deadline = Date.now() + TIMEOUT_MS
    while (ids.some((id) => !completed.has(id))) {
      if (failure !== undefined) throw failure
      signal.throwIfAborted()
      if (Date.now() > deadline) throw new Error(`bullmq: jobs still running after ${TIMEOUT_MS} ms`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return { submittedAt, ids }
  }

  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()])
    if (options.warmup > 0) await run(options.warmup, 0)
    const { submittedAt, ids } = await run(options.jobs, options.warmup)
    const latencies = ids.map((id) => (completed.get(id) ?? Number.NaN) - submittedAt)
    return {
      jobs: options.jobs,
      wallMs: Math.max(...latencies),
      latencies,
      durable: await queue.getCompletedCount(),
    }
  } finally {
    await worker.close()
    await queue.close()
    await space.clean()
  }
}
