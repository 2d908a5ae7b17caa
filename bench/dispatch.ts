// Scenario `dispatch`: latency under a steady offered load of R tasks a second for T seconds (an
// open loop: submits go out on schedule whatever the answers), and again at a lower rate both sides
// carry (the latency below saturation). Clawbot: `clawbot start` with the bots of `fleet`, a fresh
// deployment for each rate; each task is appended to the inbox with `append` (CREATE, as the edge does for POST
// /tasks), carrying the epoch ms of its submit; a bot notes when `task_assigned` for it arrives.
// BullMQ: `Queue.add` of one job at a time with the same schedule; the worker notes when processing
// of it starts. Both then run to durable completion. Each side first runs `warmSeconds` at the same rate, untimed,
// to completion: a process's first seconds under load are not its steady state (bench/README.md).
import { randomUUID } from "node:crypto"
import { bullmqPaced } from "./bullmq.ts"
import { CAPABILITY } from "./lifecycle.ts"
import {
  comparisonTable,
  failuresOf,
  latenciesOf,
  p99Figure,
  pairFigures,
  p99BySecondNote,
  topCommands,
  topStatements,
  transitionsPerTask,
  type Figure,
  type Outcome,
  type ScenarioReport,
  type Side,
} from "./report.ts"
import type { Bench } from "./support/bench.ts"
import { epochMs } from "./support/clock.ts"
import { startEdgeFleet } from "./support/edge-fleet.ts"
import { paced } from "./support/pace.ts"
import { noopPayload } from "./support/payload.ts"

/** How many of a side's tasks were timed. */
const timedCount = (side: Side): number => latenciesOf(side.outcome)?.length ?? 0

/** An offered rate, the tasks it submits over the scenario's seconds, and those of its warm-up. */
interface Offer {
  readonly rate: number
  readonly tasks: number
  readonly warm: number
}

/** One offer on a fleet of its own (a measured run ends with its deployment stopped, to read its CPU). */
const runClawbot = async (bench: Bench, { rate, tasks, warm }: Offer, notes: string[]): Promise<Outcome> => {
  const fleet = await startEdgeFleet(bench, "bd")
  try {
    /** `count` tasks appended at the offered rate; `timed`: each carries its submit's epoch ms. */
    const submit = async (count: number, timed: boolean) => {
      const errors = await paced(count, rate, bench.signal, (i) => {
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
            payload: timed ? noopPayload(i, { at: epochMs() }) : noopPayload(i),
          },
        })
      })
      if (errors.length > 0) throw new Error(`${errors.length} appends failed: ${errors[0]}`)
    }
    const outcome = await fleet.measure(`dispatch clawbot ${rate}/s`, tasks, () => submit(tasks, true), {
      timed: true,
      warm: { tasks: warm, submit: () => submit(warm, false) },
    })
    notes.push(...fleet.notes())
    return outcome
  } finally {
    await fleet.stop()
  }
}

const offerOf = (rate: number, seconds: number, warmSeconds: number): Offer => ({
  rate,
  tasks: Math.max(1, Math.round(rate * seconds)),
  warm: Math.round(rate * warmSeconds),
})

export const dispatch = async (bench: Bench): Promise<ScenarioReport> => {
  const { rate, lowRate, seconds, warmSeconds, agents, concurrency } = bench.options
  const [offered, low] = [offerOf(rate, seconds, warmSeconds), offerOf(lowRate, seconds, warmSeconds)]
  const { tasks } = offered
  const notes: string[] = []
  const slots = agents * concurrency
  const clawbot: Side = { label: "clawbot", outcome: await runClawbot(bench, offered, notes) }
  const bullmq: Side = { label: "bullmq", outcome: await bullmqPaced(bench, { ...offered, slots }) }
  // Below saturation, each side on a fresh deployment again.
  const lowNotes: string[] = []
  const clawbotAtLow: Side = { label: "clawbot", outcome: await runClawbot(bench, low, lowNotes) }
  const bullmqAtLow: Side = { label: "bullmq", outcome: await bullmqPaced(bench, { ...low, slots }) }
  const atLow = (side: Side): Figure => ({ ...p99Figure(side), label: `${side.label} latency p99 at ${lowRate}/s (ms)` })
  return {
    name: "dispatch",
    headline: `${tasks} tasks offered at ${rate}/s: submit → task_assigned received by a bot (${agents} SDK bots × ${concurrency}) vs Queue.add → processing started`,
    tables: [
      comparisonTable(
        `dispatch: ${rate} tasks/s offered for ${seconds} s; latency is submit → assignment received`,
        [[clawbot, bullmq]],
        true,
      ),
      comparisonTable(
        `dispatch: ${lowRate} tasks/s offered for ${seconds} s (below saturation); latency is submit → assignment received`,
        [[clawbotAtLow, bullmqAtLow]],
        true,
      ),
    ],
    notes: [
      "clawbot submits with append (the inbox, as the edge does for POST /tasks; HTTP intake is measured by fleet), BullMQ with Queue.add",
      `each side first ran ${warmSeconds} s at the measured rate, untimed, to completion (its cold start: bench/README.md)`,
      `assignments timed: clawbot ${timedCount(clawbot)}, bullmq ${timedCount(bullmq)} of ${tasks}; at ${lowRate}/s clawbot ${timedCount(clawbotAtLow)}, bullmq ${timedCount(bullmqAtLow)} of ${low.tasks}`,
      p99BySecondNote([clawbot, bullmq]),
      `at ${lowRate}/s, ${p99BySecondNote([clawbotAtLow, bullmqAtLow])}`,
      ...notes,
      ...lowNotes.map((note) => `at ${lowRate}/s, ${note}`),
      transitionsPerTask(clawbot),
      topCommands(clawbot),
      topStatements(clawbot),
      ...[transitionsPerTask(clawbotAtLow), topCommands(clawbotAtLow), topStatements(clawbotAtLow)].map(
        (note) => `at ${lowRate}/s, ${note}`,
      ),
    ],
    failures: [
      ...failuresOf([clawbot, bullmq]),
      ...failuresOf([clawbotAtLow, bullmqAtLow]).map((failure) => `at ${lowRate}/s, ${failure}`),
    ],
    figures: [
      ...pairFigures([clawbot, bullmq]),
      p99Figure(clawbot, { atMost: 25 }),
      p99Figure(bullmq),
      atLow(clawbotAtLow),
      atLow(bullmqAtLow),
    ],
  }
}
