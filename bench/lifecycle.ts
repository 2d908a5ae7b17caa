// Scenario `lifecycle`: N no-op tasks through the runtime alone. Clawbot: `clawbot runtime`
// process(es); M agents (capability `bench`, max_concurrency C) played by simulated bots that
// answer through the streams (support/stream-bots.ts); N standalone tasks created at once with
// `append` (CREATE). A task counts when its `completed` transition is published (after commit).
// BullMQ: `Queue.addBulk` of N jobs, workers of concurrency M×C in a helper process.
import { randomUUID } from "node:crypto"
import { close, openRedis } from "../src/redis/client.ts"
import { BULK, bullmqJobs } from "./bullmq.ts"
import {
  comparisonTable,
  failuresOf,
  p99Figure,
  pairFigures,
  topCommands,
  topStatements,
  transitionsPerTask,
  type Outcome,
  type ScenarioReport,
  type Side,
} from "./report.ts"
import { track, type Bench } from "./support/bench.ts"
import { epochMs } from "./support/clock.ts"
import { startDeployment, type Deployment } from "./support/deployment.ts"
import { noopPayload } from "./support/payload.ts"
import { startStreamBots, type StreamBots } from "./support/stream-bots.ts"
import { waitFor } from "./support/wait.ts"

export const CAPABILITY = "bench"
/** Inbox entries one standalone task needs under load: task CREATE, ASSIGN, START, COMPLETE (its agent's slot goes to
 * the next task in the routing call: an agent's RELEASE only when it cannot, its RESERVE only when it asks for work). */
const MIN_ENTRIES = 4

const createAgents = async (bench: Bench, deployment: Deployment): Promise<void> => {
  const { agents, concurrency } = bench.options
  await Promise.all(
    Array.from({ length: agents }, async (_, index) => {
      const id = randomUUID()
      const payload = {
        id,
        name: `bench-${index}`,
        capabilities: [CAPABILITY],
        maxConcurrency: concurrency,
        heartbeatIntervalMs: 3_600_000,
      }
      await deployment.append({ kind: "agent", id, type: "CREATE", payload })
      await deployment.append({ kind: "agent", id, type: "CONNECT", payload: {} })
    }),
  )
  await waitFor(
    "the agents to be online",
    async () => ((await deployment.observer.count("agent", "online")) === agents ? true : undefined),
    60_000,
    bench.signal,
    100,
  )
}

/** Creates `count` tasks at once, in bulks of BullMQ's BULK (all bulks at once, as BullMQ's are added); answers each id with
 * the epoch ms its bulk was issued. */
const submit = async (deployment: Deployment, count: number): Promise<Map<string, number>> => {
  const submitted = new Map<string, number>()
  const bulks: Array<Promise<unknown>> = []
  for (let first = 0; first < count; first += BULK) {
    const at = epochMs()
    const creations = Array.from({ length: Math.min(BULK, count - first) }, (_, n) => {
      const id = randomUUID()
      submitted.set(id, at)
      const payload = {
        id,
        title: `bench ${first + n}`,
        capability: CAPABILITY,
        dependsOn: [],
        blocked: false,
        payload: noopPayload(first + n),
      }
      return { kind: "task", id, type: "CREATE", payload }
    })
    bulks.push(Promise.all(deployment.appendEach(creations)))
  }
  await Promise.all(bulks)
  return submitted
}

const runClawbot = async (bench: Bench): Promise<Outcome> => {
  const deployment = await startDeployment(bench, "runtime", "bl")
  const reader = await openRedis(bench.servers.redisUrl, { name: "bench-stream-bots" })
  const bots: StreamBots = startStreamBots({ reader, events: deployment.keys.events, appendEach: deployment.appendEach })
  const failure = () => deployment.failure() ?? bots.failure()
  try {
    await createAgents(bench, deployment)
    const { tasks, warmup } = bench.options
    if (warmup > 0) {
      const ids = await submit(deployment, warmup)
      const done = bots.follow(new Set(ids.keys()))
      const warm = await track(bench, "lifecycle clawbot warm-up", warmup, async () => done(), failure)
      if (!warm.finished) throw new Error(`warm-up: ${warm.failure}`)
    }
    await deployment.quiesce()
    const before = await deployment.sample()
    const started = epochMs()
    const submitted = await submit(deployment, tasks)
    const ids = [...submitted.keys()]
    const done = bots.follow(new Set(ids))
    const run = await track(bench, "lifecycle clawbot", tasks, async () => done(), failure)
    const finishedAt = ids.flatMap((id) => bots.completed.get(id) ?? [])
    const latencies = ids.flatMap((id) => {
      const done = bots.completed.get(id)
      return done === undefined ? [] : [done - (submitted.get(id) ?? started)]
    })
    const cost = await deployment.finish(before)
    const completed = (await deployment.observer.count("task", "completed")) - warmup
    const wallMs = (run.finished ? Math.max(...finishedAt) : run.endedAt) - started
    return { tasks, completed, wallMs, latencies, cost, ...(run.failure === undefined ? {} : { failure: run.failure }) }
  } finally {
    await bots.stop()
    await close(reader)
    await deployment.stop()
  }
}

export const lifecycle = async (bench: Bench): Promise<ScenarioReport> => {
  const { tasks, agents, concurrency } = bench.options
  const clawbot: Side = { label: "clawbot", outcome: await runClawbot(bench) }
  const bullmq: Side = { label: "bullmq", outcome: await bullmqJobs(bench, "lifecycle", { tasks, slots: agents * concurrency }) }
  return {
    name: "lifecycle",
    headline: `${tasks} no-op tasks through the runtime (append CREATE, simulated bots answer through the streams) vs Queue.addBulk + Worker (concurrency ${agents * concurrency})`,
    tables: [comparisonTable(`lifecycle: ${tasks} tasks, ${agents} agents × ${concurrency}`, [[clawbot, bullmq]], true)],
    notes: [
      `a task needs ${MIN_ENTRIES} inbox entries (task CREATE, ASSIGN, START, COMPLETE; its agent's slot goes to the next task without an agent entry)`,
      transitionsPerTask(clawbot),
      topCommands(clawbot),
      topCommands(bullmq),
      topStatements(clawbot),
    ],
    failures: failuresOf([clawbot, bullmq]),
    figures: [...pairFigures([clawbot, bullmq], { ratio: { atLeast: 1 }, bytes: { atMost: 8 * 1024 } }), p99Figure(clawbot)],
  }
}
