// Scenario "ingest": raw command intake with nothing consuming it. Clawbot: `append` of task
// CREATE commands carrying a command id (Schema validation + one Lua script: dedupe check,
// XADD, dedupe marker). Peer: BullMQ `Queue.add` of one job each with its own job id, BullMQ's
// idempotency key (one Lua script too).
// Both keep the same number of calls in flight on one connection.
import { randomUUID } from "node:crypto"
import { Queue } from "bullmq"
import { testDeployment } from "../tests/support/runtime.ts"
import type { BenchOptions } from "./options.ts"
import { peerSpace } from "./peer.ts"
import type { Measurement } from "./report.ts"

/** Runs `call(0..count-1)` keeping `window` calls in flight; measures each call. */
const windowed = async (count: number, window: number, call: (i: number) => Promise<unknown>): Promise<Measurement> => {
  const latencies: number[] = []
  let next = 0
  const lane = async () => {
    while (next < count) {
      const i = next++
      const started = performance.now()
      await call(i)
      latencies.push(performance.now() - started)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane))
  return { jobs: count, wallMs: performance.now() - started, latencies }
}

export const clawbotIngest = async (options: BenchOptions): Promise<Measurement> => {
  const deployment = await testDeployment({ partitions: options.partitions })
  try {
    return await windowed(options.appends, options.window, (i) => {
      const id = randomUUID()
      return deployment.append({
        kind: "task", id, type: "CREATE", cmdId: `bench/${id}`,
        payload: { id, title: `bench ${i}`, capability: "bench", dependsOn: [], blocked: false, payload: { i } },
      })
    })
  } finally {
    await deployment.close()
  }
}

export const bullmqIngest = async (options: BenchOptions): Promise<Measurement> => {
  const space = peerSpace(options.redisUrl)
  const queue = new Queue("ingest", { connection: space.connection, prefix: space.prefix })
  try {
    await queue.waitUntilReady()
    return await windowed(options.appends, options.window, (i) => queue.add("bench", { i }, { jobId: `bench-${i}` }))
  } finally {
    await queue.close()
    await space.clean()
  }
}
