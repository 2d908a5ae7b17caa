// Scenario `sessions`: the same N no-op tasks (no depends_on) as sessions of S tasks, for a small
// S (10) and a large one (5,000, or N when smaller), each size on a fresh `clawbot start` with
// the same bots as `fleet`: `POST /api/v1/sessions` with the session's tasks and `start: true` (a session that runs
// at once, as a BullMQ flow does), until all N tasks are `completed` in Postgres. BullMQ: the same N jobs as flows (a
// parent job per session with its tasks as children), until every parent completed. Then the large sessions once
// more, created pending and started after (`POST /sessions/{id}/start`): what a pending session's start costs, in
// the notes (no BullMQ counterpart).
import { setTimeout as sleep } from "node:timers/promises"
import { bullmqFlows } from "./bullmq.ts"
import { CAPABILITY } from "./lifecycle.ts"
import {
  comparisonTable,
  failuresOf,
  type Figure,
  fixed,
  pairFigures,
  storeBytes,
  throughput,
  topCommands,
  transitionsPerTask,
  type Outcome,
  type ScenarioReport,
  type Side,
} from "./report.ts"
import { expectStatus } from "./support/api.ts"
import type { Bench } from "./support/bench.ts"
import { startEdgeFleet, type EdgeFleet } from "./support/edge-fleet.ts"
import { noopPayload } from "./support/payload.ts"

/** Sessions created at once. */
const IN_FLIGHT = 16
/** A start that finds its session not created yet (404/409) is tried again after this long, this many times. */
const START_RETRY_MS = 50
const START_TRIES = 200

const startSession = async (fleet: EdgeFleet, id: string): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    const answer = await fleet.api.post(`/sessions/${id}/start`, {})
    if (![404, 409].includes(answer.status) || attempt === START_TRIES)
      return void expectStatus(`POST /sessions/${id}/start`, answer, 200, 202)
    await sleep(START_RETRY_MS)
  }
}

/** Sessions of `size` tasks created running, or (`startLater`) created pending and then started. */
const runClawbot = async (bench: Bench, tasks: number, size: number, notes: string[], startLater = false): Promise<Outcome> => {
  const label = startLater ? `${size}/session started later` : `${size}/session`
  const fleet = await startEdgeFleet(bench, "bs")
  try {
    const count = Math.ceil(tasks / size)
    let next = 0
    const lane = async () => {
      for (let s = next++; s < count; s = next++) {
        const body = {
          title: `bench session ${s}`,
          start: !startLater,
          tasks: Array.from({ length: Math.min(size, tasks - s * size) }, (_, i) => ({
            key: `t${i}`,
            title: `bench ${i}`,
            capability: CAPABILITY,
            payload: noopPayload(i),
          })),
        }
        const created = expectStatus("POST /sessions", await fleet.api.post("/sessions", body), 201, 202)
        if (startLater) await startSession(fleet, String(created["id"]))
      }
    }
    const outcome = await fleet.measure(`sessions clawbot ${label}`, tasks, () =>
      Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane)),
    )
    const sessionsDone = await fleet.deployment.observer.count("session", "completed")
    notes.push(
      `clawbot ${label}: ${sessionsDone} of ${count} sessions completed`,
      ...fleet.notes().map((note) => `clawbot ${label}: ${note}`),
    )
    return outcome
  } finally {
    await fleet.stop()
  }
}

export const sessions = async (bench: Bench): Promise<ScenarioReport> => {
  const { sessionTasks: tasks, smallSession, bigSession, agents, concurrency } = bench.options
  const slots = agents * concurrency
  const notes: string[] = []
  const pairs: Array<readonly [Side, Side]> = []
  for (const size of [smallSession, bigSession]) {
    const clawbot: Side = { label: `clawbot ${size}/session`, outcome: await runClawbot(bench, tasks, size, notes) }
    const bullmq: Side = { label: `bullmq ${size}/flow`, outcome: await bullmqFlows(bench, { tasks, perFlow: size, slots }) }
    pairs.push([clawbot, bullmq])
    notes.push(transitionsPerTask(clawbot), topCommands(clawbot, 10))
  }
  // The large sessions created pending and started after: the price of the start, next to the same sessions running.
  const later: Side = {
    label: `clawbot ${bigSession}/session started later`,
    outcome: await runClawbot(bench, tasks, bigSession, notes, true),
  }
  notes.push(transitionsPerTask(later))
  const figures: Figure[] = pairs.flatMap((pair) => pairFigures(pair))
  const [small, big] = pairs.map(([clawbot]) => clawbot.outcome)
  if (small !== undefined && big !== undefined) {
    const faster = throughput(big) / throughput(small)
    notes.push(
      `clawbot ${bigSession}-task sessions vs ${smallSession}-task sessions: throughput ×${fixed(faster, 3)}, bytes to Redis + Postgres per task ×${fixed(storeBytes(big) / storeBytes(small), 3)}`,
      `clawbot ${bigSession}-task sessions created pending, started after (each task's SESSION_RUN): ${fixed(throughput(later.outcome), 0)} tasks/s, ${fixed(storeBytes(later.outcome), 0)} B to Redis + Postgres a task (×${fixed(throughput(later.outcome) / throughput(big), 3)} and ×${fixed(storeBytes(later.outcome) / storeBytes(big), 3)} of the same sessions created running)`,
    )
    figures.push({
      label: `throughput ratio clawbot ${bigSession}/session / ${smallSession}/session`,
      value: faster,
      digits: 3,
      goal: { atLeast: 0.8 },
    })
  }
  return {
    name: "sessions",
    headline: `${tasks} tasks as ${smallSession}-task and as ${bigSession}-task sessions (POST /sessions with start: true; no depends_on; then the large ones created pending and started after), served by ${agents} SDK bots × ${concurrency}, vs BullMQ flows of the same sizes`,
    tables: [comparisonTable(`sessions: ${tasks} tasks`, pairs, false)],
    notes,
    failures: failuresOf([...pairs.flat(), later]),
    figures,
  }
}
