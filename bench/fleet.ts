// Scenario `fleet`: the full path. Clawbot: `clawbot start` (runtime + edge in one process), N
// standalone tasks submitted with `POST /api/v1/tasks/batch` (1,000 a request), served by M
// SDK bots (`connectBot`) in worker threads of the bench, until all N are `completed` in
// Postgres. BullMQ: the same N jobs with addBulk (1,000 a call), workers of concurrency M×C in a
// helper process, until all N are in its completed set.
import { bullmqJobs } from "./bullmq.ts"
import {
  comparisonTable,
  failuresOf,
  pairFigures,
  topCommands,
  topStatements,
  transitionsPerTask,
  type Outcome,
  type ScenarioReport,
  type Side,
} from "./report.ts"
import type { Bench } from "./support/bench.ts"
import { startEdgeFleet } from "./support/edge-fleet.ts"
import { noopPayload } from "./support/payload.ts"

const runClawbot = async (bench: Bench, tasks: number): Promise<{ outcome: Outcome; notes: string[] }> => {
  const fleet = await startEdgeFleet(bench, "bf")
  try {
    const outcome = await fleet.measure("fleet clawbot", tasks, () => fleet.submitTasks(tasks, (i) => noopPayload(i)))
    return { outcome, notes: fleet.notes() }
  } finally {
    await fleet.stop()
  }
}

export const fleet = async (bench: Bench): Promise<ScenarioReport> => {
  const { fleetTasks: tasks, agents, concurrency } = bench.options
  const ours = await runClawbot(bench, tasks)
  const clawbot: Side = { label: "clawbot", outcome: ours.outcome }
  const bullmq: Side = { label: "bullmq", outcome: await bullmqJobs(bench, "fleet", { tasks, slots: agents * concurrency }) }
  return {
    name: "fleet",
    headline: `${tasks} tasks via POST /tasks/batch to clawbot start, served by ${agents} SDK bots × ${concurrency}, to durable completion vs addBulk + Worker (concurrency ${agents * concurrency})`,
    tables: [comparisonTable(`fleet: ${tasks} tasks, ${agents} bots × ${concurrency}`, [[clawbot, bullmq]], false)],
    notes: [
      ...ours.notes,
      "node CPU is the clawbot start process (runtime and edge); the bots (SDK, connectBot) run in worker threads of the bench process",
      transitionsPerTask(clawbot),
      topCommands(clawbot),
      topCommands(bullmq),
      topStatements(clawbot),
    ],
    failures: failuresOf([clawbot, bullmq]),
    figures: pairFigures([clawbot, bullmq], { ratio: { atLeast: 0.5 } }),
  }
}
