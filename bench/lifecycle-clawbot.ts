// Scenario "lifecycle", Clawbot side: a fresh deployment (own Postgres schema and key prefix)
// with R in-process runtimes and M agents of max_concurrency C answered by the fleet
// simulator; N standalone tasks (capability "bench") are created at once and each runs
// CREATE → ready → RESERVE/ASSIGN → task_assigned push → START → COMPLETE → completed.
import { randomUUID } from "node:crypto"
import { close, openRedis } from "../src/redis/client.ts"
import type { Runtime } from "../src/runtime/runtime.ts"
import { testDeployment, waitFor, type TestDeployment } from "../tests/support/runtime.ts"
import { startFleet, type Fleet } from "./fleet.ts"
import type { BenchOptions } from "./options.ts"
import type { Measurement } from "./report.ts"

const CAPABILITY = "bench"
const TIMEOUT_MS = 600_000

export interface ClawbotRun extends Measurement {
  /** Completed tasks found in Postgres afterwards (warm-up included). */
  readonly durable: number
  /** Batches and entries the runtimes applied during the measured run. */
  readonly batches: number
  readonly entries: number
}

const createAgents = async (deployment: TestDeployment, options: BenchOptions): Promise<void> => {
  const ids = Array.from({ length: options.agents }, () => randomUUID())
  await Promise.all(ids.map(async (id, index) => {
    const payload = { id, name: `bench-${index}`, capabilities: [CAPABILITY], maxConcurrency: options.concurrency, heartbeatIntervalMs: 3_600_000 }
    await deployment.append({ kind: "agent", id, type: "CREATE", payload })
    await deployment.append({ kind: "agent", id, type: "CONNECT", payload: {} })
  }))
  await Promise.all(ids.map((id) => deployment.actor("agent", id, (agent) => agent.state === "online", 30_000)))
}

/** Creates `count` tasks at once; answers each id with the time its append was issued. */
const submit = async (deployment: TestDeployment, count: number): Promise<Map<string, number>> => {
  const submitted = new Map<string, number>()
  const appends: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    const id = randomUUID()
    submitted.set(id, Date.now())
    appends.push(deployment.append({
      kind: "task", id, type: "CREATE",
      payload: { id, title: `bench ${i}`, capability: CAPABILITY, dependsOn: [], blocked: false, payload: { i } },
    }))
  }
  await Promise.all(appends)
  return submitted
}

const run = async (fleet: Fleet, deployment: TestDeployment, count: number, signal: AbortSignal) => {
  const submitted = await submit(deployment, count)
  await fleet.allCompleted(new Set(submitted.keys()), TIMEOUT_MS, signal)
  return submitted
}

/** Waits until the runtimes have applied nothing for `quietMs`: the warm-up's last commands are done. */
const quiescent = async (runtimes: ReadonlyArray<Runtime>, quietMs: number, signal: AbortSignal) => {
  const applied = () => runtimes.reduce((sum, runtime) => sum + runtime.stats.entries, 0)
  for (let last = -1; last !== applied(); ) {
    signal.throwIfAborted()
    last = applied()
    await new Promise((resolve) => setTimeout(resolve, quietMs))
  }
}

/** Every runtime owns a share of the partitions and together they own all of them. */
const settled = (runtimes: ReadonlyArray<Runtime>, partitions: number) =>
  runtimes.every((runtime) => runtime.owned().length > 0) &&
  runtimes.reduce((sum, runtime) => sum + runtime.owned().length, 0) === partitions

export const clawbotLifecycle = async (options: BenchOptions, signal: AbortSignal): Promise<ClawbotRun> => {
  const deployment = await testDeployment({ partitions: options.partitions })
  const reader = await openRedis(deployment.redisUrl, { name: "bench-fleet" })
  const fleet = startFleet({ reader, events: deployment.keys.events, append: deployment.append })
  try {
    const runtimes: Runtime[] = []
    for (let i = 0; i < options.runtimes; i++) runtimes.push(await deployment.startRuntime({}))
    await waitFor("partitions spread over the runtimes", async () => (settled(runtimes, options.partitions) ? true : undefined), 30_000)
    await createAgents(deployment, options)
    if (options.warmup > 0) await run(fleet, deployment, options.warmup, signal)
    await quiescent(runtimes, 500, signal)

    const before = runtimes.map((runtime) => ({ batches: runtime.stats.batches, entries: runtime.stats.entries }))
    const started = Date.now()
    const submitted = await run(fleet, deployment, options.jobs, signal)
    const finished = Math.max(...[...submitted.keys()].map((id) => fleet.completed.get(id) ?? Number.NaN))
    const [{ count }] = await deployment.schema.sql<[{ count: number }]>`
      select count(*)::int as count from actors where kind = 'task' and state = 'completed'`
    return {
      jobs: options.jobs,
      wallMs: finished - started,
      latencies: [...submitted].map(([id, at]) => (fleet.completed.get(id) ?? Number.NaN) - at),
      durable: count,
      batches: runtimes.reduce((sum, runtime, i) => sum + runtime.stats.batches - (before[i]?.batches ?? 0), 0),
      entries: runtimes.reduce((sum, runtime, i) => sum + runtime.stats.entries - (before[i]?.entries ?? 0), 0),
    }
  } finally {
    await fleet.stop()
    await close(reader)
    await deployment.close()
  }
}
