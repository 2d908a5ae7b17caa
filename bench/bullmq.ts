// The peer, BullMQ, on the bench's Redis under a fresh prefix, its workers in a helper process
// (support/bullmq-worker.ts): N jobs added in bulk (`lifecycle`, `fleet`), N jobs as flows of
// S children under one parent (`sessions`), or jobs added one by one at a steady rate
// (`dispatch`). A job counts once the worker completed it (moved to the completed set).
import { FlowProducer, Queue } from "bullmq"
import type { Outcome } from "./report.ts"
import { freshPrefix, track, type Bench } from "./support/bench.ts"
import type { BullmqProgress, BullmqTimes, BullmqWorkerSettings } from "./support/bullmq-worker.ts"
import { startHelper, type Helper } from "./support/child.ts"
import { epochMs } from "./support/clock.ts"
import { costBetween, sampleCost, type CostSample } from "./support/cost.ts"
import { paced } from "./support/pace.ts"
import { noopPayload } from "./support/payload.ts"

/** Jobs per addBulk call: the size of one `POST /tasks/batch`. */
export const BULK = 1000
const WORKER = new URL("./support/bullmq-worker.ts", import.meta.url)

interface Peer {
  readonly prefix: string
  readonly connection: { readonly url: string; readonly maxRetriesPerRequest: null }
  readonly workers: Helper<BullmqProgress>
  completed(queue: string): number
  sample(): Promise<CostSample>
  stop(): Promise<void>
}

const startPeer = async (bench: Bench, queues: BullmqWorkerSettings["queues"]): Promise<Peer> => {
  const prefix = freshPrefix("bull")
  const settings: BullmqWorkerSettings = { redisUrl: bench.servers.redisUrl, prefix, queues }
  const workers = await startHelper<BullmqProgress>(WORKER, settings)
  return {
    prefix,
    workers,
    connection: { url: bench.servers.redisUrl, maxRetriesPerRequest: null },
    completed: (queue) => workers.latest()?.completed[queue] ?? 0,
    sample: () => sampleCost(bench, { pids: () => [workers.pid] }),
    stop: () => workers.stop(),
  }
}

/** The ids of `tasks` jobs added in bulks of BULK, all bulks at once. */
const addJobs = async (queue: Queue, tasks: number, data: (i: number) => object): Promise<string[]> => {
  const bulks = Array.from({ length: Math.ceil(tasks / BULK) }, (_, b) =>
    queue.addBulk(Array.from({ length: Math.min(BULK, tasks - b * BULK) }, (_, i) => ({ name: "bench", data: data(b * BULK + i) }))),
  )
  return (await Promise.all(bulks)).flat().map((job) => job.id ?? "")
}

/** `lifecycle`, `fleet`: N no-op jobs added in bulk, workers of concurrency `slots`. */
export const bullmqJobs = async (
  bench: Bench,
  name: string,
  options: { readonly tasks: number; readonly slots: number },
): Promise<Outcome> => {
  const peer = await startPeer(bench, [{ name, concurrency: options.slots }])
  const queue = new Queue(name, { connection: peer.connection, prefix: peer.prefix })
  const { warmup } = bench.options
  const failure = peer.workers.failure
  try {
    if (warmup > 0) {
      await addJobs(queue, warmup, (i) => noopPayload(i))
      const warm = await track(bench, `${name} bullmq warm-up`, warmup, async () => peer.completed(name), failure)
      if (!warm.finished) throw new Error(`bullmq warm-up: ${warm.failure}`)
    }
    const before = await peer.sample()
    const started = epochMs()
    const ids = await addJobs(queue, options.tasks, (i) => noopPayload(i))
    const run = await track(bench, `${name} bullmq`, options.tasks, async () => peer.completed(name) - warmup, failure)
    const times = new Map((await peer.workers.request<BullmqTimes>("times")).completedAt[name] ?? [])
    const finishedAt = ids.flatMap((id) => times.get(id) ?? [])
    const completed = (await queue.getCompletedCount()) - warmup
    return {
      tasks: options.tasks,
      completed,
      latencies: finishedAt.map((at) => at - started),
      wallMs: (run.finished ? Math.max(...finishedAt) : run.endedAt) - started,
      cost: costBetween(before, await peer.sample()),
      ...(run.failure === undefined ? {} : { failure: run.failure }),
    }
  } finally {
    await queue.close()
    await peer.stop()
  }
}

/** `sessions`: N jobs as flows of `perFlow` children under one parent job each, like a session's tasks. */
export const bullmqFlows = async (
  bench: Bench,
  options: { readonly tasks: number; readonly perFlow: number; readonly slots: number },
): Promise<Outcome> => {
  const peer = await startPeer(bench, [
    { name: "tasks", concurrency: options.slots },
    { name: "sessions", concurrency: 16 },
  ])
  const flows = new FlowProducer({ connection: peer.connection, prefix: peer.prefix })
  const queue = new Queue("tasks", { connection: peer.connection, prefix: peer.prefix })
  const count = Math.ceil(options.tasks / options.perFlow)
  try {
    const before = await peer.sample()
    const started = epochMs()
    const sessions = Array.from({ length: count }, (_, s) => ({
      name: "session",
      queueName: "sessions",
      data: { s },
      children: Array.from({ length: Math.min(options.perFlow, options.tasks - s * options.perFlow) }, (_, i) => ({
        name: "task",
        queueName: "tasks",
        data: noopPayload(i),
      })),
    }))
    for (let at = 0; at < sessions.length; at += Math.max(1, Math.floor(BULK / options.perFlow))) {
      await flows.addBulk(sessions.slice(at, at + Math.max(1, Math.floor(BULK / options.perFlow))))
    }
    const label = `sessions bullmq ${options.perFlow}/flow`
    const run = await track(
      bench,
      label,
      options.tasks,
      async () => (peer.completed("sessions") === count ? options.tasks : peer.completed("tasks")),
      peer.workers.failure,
    )
    return {
      tasks: options.tasks,
      completed: await queue.getCompletedCount(),
      wallMs: run.endedAt - started,
      cost: costBetween(before, await peer.sample()),
      ...(run.failure === undefined ? {} : { failure: run.failure }),
    }
  } finally {
    await flows.close()
    await queue.close()
    await peer.stop()
  }
}

/** `dispatch`: `warm` jobs added one by one at `rate` a second (untimed) and run to completion, then the measured
 * `tasks`, each carrying the epoch ms it was added. */
export const bullmqPaced = async (
  bench: Bench,
  options: { readonly tasks: number; readonly warm: number; readonly rate: number; readonly slots: number },
): Promise<Outcome> => {
  const { warm } = options
  const peer = await startPeer(bench, [{ name: "dispatch", concurrency: options.slots }])
  const queue = new Queue("dispatch", { connection: peer.connection, prefix: peer.prefix })
  try {
    await queue.waitUntilReady()
    if (warm > 0) {
      const warming = paced(warm, options.rate, bench.signal, (i) => queue.add("bench", noopPayload(i)))
      const warmed = await track(bench, "dispatch bullmq warm-up", warm, async () => peer.completed("dispatch"), peer.workers.failure)
      const errors = await warming
      if (!warmed.finished || errors.length > 0) throw new Error(`warm-up: ${warmed.failure ?? errors[0]}`)
    }
    const before = await peer.sample()
    const started = epochMs()
    const offered = paced(options.tasks, options.rate, bench.signal, (i) => queue.add("bench", noopPayload(i, { at: epochMs() })))
    const run = await track(bench, "dispatch bullmq", options.tasks, async () => peer.completed("dispatch") - warm, peer.workers.failure)
    const errors = await offered
    const times = await peer.workers.request<BullmqTimes>("times")
    const failure = run.failure ?? (errors.length > 0 ? `${errors.length} adds failed: ${errors[0]}` : undefined)
    return {
      tasks: options.tasks,
      completed: (await queue.getCompletedCount()) - warm,
      wallMs: run.endedAt - started,
      timed: times.starts,
      cost: costBetween(before, await peer.sample()),
      ...(failure === undefined ? {} : { failure }),
    }
  } finally {
    await queue.close()
    await peer.stop()
  }
}
