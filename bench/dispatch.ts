// Scenario `dispatch`: latency under a steady offered load of R tasks a second for T seconds (an
// open loop: submits go out on schedule whatever the answers). Clawbot: `clawbot start` with the
// bots of `fleet`; each task is appended to the inbox with `append` (CREATE, as the edge does
// for POST /tasks), carrying the epoch ms of its submit; a bot notes when `task_assigned` for it
// arrives. BullMQ: `Queue.add` of one job at a time with the same schedule; the worker notes
// when processing of it starts. Both then run to durable completion.
import { randomUUID } from "node:crypto"
import { bullmqPaced } from "./bullmq.ts"
import { CAPABILITY } from "./lifecycle.ts"
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
import type { Bench } from "./support/bench.ts"
import { epochMs } from "./support/clock.ts"
import { startEdgeFleet } from "./support/edge-fleet.ts"
import { paced } from "./support/pace.ts"
import { noopPayload } from "./support/payload.ts"

const runClawbot = async (bench: Bench, tasks: number, notes: string[]): Promise<Outcome> => {
  const fleet = await startEdgeFleet(bench, "bd")
  try {
    const submit = async () => {
      const errors = await paced(tasks, bench.options.rate, bench.signal, (i) => {
        const id = randomUUID()
        return fleet.deployment.append({
          kind: "task",
          id,
          type: "CREATE",
          payload: {
            id,
            title: `bench ${i}`,
            capability: CAPABILITY,
            dependsOn: [],
            blocked: false,
            payload: noopPayload(i, { at: epochMs() }),
          },
        })
      })
      if (errors.length > 0) throw new Error(`${errors.length} appends failed: ${errors[0]}`)
    }
    const outcome = await fleet.measure("dispatch clawbot", tasks, submit, true)
    notes.push(...fleet.notes())
    return outcome
  } finally {
    await fleet.stop()
  }
}

export const dispatch = async (bench: Bench): Promise<ScenarioReport> => {
  const { rate, seconds, agents, concurrency } = bench.options
  const tasks = Math.max(1, Math.round(rate * seconds))
  const notes: string[] = []
  const clawbot: Side = { label: "clawbot", outcome: await runClawbot(bench, tasks, notes) }
  const bullmq: Side = { label: "bullmq", outcome: await bullmqPaced(bench, { tasks, rate, slots: agents * concurrency }) }
  return {
    name: "dispatch",
    headline: `${tasks} tasks offered at ${rate}/s: submit → task_assigned received by a bot (${agents} SDK bots × ${concurrency}) vs Queue.add → processing started`,
    tables: [
      comparisonTable(
        `dispatch: ${rate} tasks/s offered for ${seconds} s; latency is submit → assignment received`,
        [[clawbot, bullmq]],
        true,
      ),
    ],
    notes: [
      "clawbot submits with append (the inbox, as the edge does for POST /tasks; HTTP intake is measured by fleet), BullMQ with Queue.add",
      `assignments timed: clawbot ${clawbot.outcome.latencies?.length ?? 0}, bullmq ${bullmq.outcome.latencies?.length ?? 0} of ${tasks}`,
      ...notes,
      transitionsPerTask(clawbot),
      topCommands(clawbot),
      topStatements(clawbot),
    ],
    failures: failuresOf([clawbot, bullmq]),
    figures: [...pairFigures([clawbot, bullmq]), p99Figure(clawbot, { atMost: 25 }), p99Figure(bullmq)],
  }
}
