// XState's step alone, no servers and no planner: N no-op tasks through the task machine's lifecycle (its creation,
// ASSIGN, START, COMPLETE) with the runtime's own pure steps (src/runtime/advance.ts createStep / sendStep), as a
// partition applies them. Prints the CPU µs a task of the steps (the minimum of the rounds; the collector's work on
// what they allocated is in it) and a digest of what they produced (each step's state, context and effects): a
// change to a machine meant to keep its behaviour must keep the digest.
//   node --import tsx bench/machine-cpu.ts [--tasks 20000] [--rounds 9]
import { createHash } from "node:crypto"
import { parseArgs } from "node:util"
import { taskKind } from "../actors/task.ts"
import { createStep, sendStep, type Step } from "../src/runtime/advance.ts"

const { values } = parseArgs({
  options: { tasks: { type: "string", default: "20000" }, rounds: { type: "string", default: "9" } },
})
const TASKS = Number(values.tasks)
const ROUNDS = Number(values.rounds)
const START_MS = 1_764_547_200_000

type Applied = Extract<Step, { _tag: "applied" }>

const applied = (step: Step, what: string): Applied => {
  if (step._tag !== "applied") throw new Error(`${what}: ${JSON.stringify(step)}`)
  return step
}

/** One task's lifecycle; `record` gets each step's outcome (the digest's input). */
const lifecycle = (n: number, record: ((step: Applied) => void) | undefined): void => {
  const id = `task-${n}`
  const at = START_MS + n * 10
  const input = { id, title: "no-op", capability: "bench", payload: { n }, dependsOn: [], blocked: false, at }
  let step = applied(createStep(taskKind, id, input), `creating ${id}`)
  record?.(step)
  for (const event of [
    { type: "ASSIGN", agentId: "agent-1", at: at + 1 },
    { type: "START", agentId: "agent-1", at: at + 2 },
    { type: "COMPLETE", agentId: "agent-1", result: { ok: true }, at: at + 3 },
  ]) {
    step = applied(sendStep(taskKind, id, step.snapshot, event), `${event.type} to ${id}`)
    record?.(step)
  }
  if (step.to !== "completed") throw new Error(`${id} ended ${step.to}, not completed`)
}

const digest = createHash("sha256")
for (let n = 0; n < TASKS; n++) {
  lifecycle(n, (step) => digest.update(JSON.stringify([step.to, step.snapshot.context, step.effects])))
}
console.log(`digest ${digest.digest("hex")}`)

const rounds: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const started = process.cpuUsage()
  for (let n = 0; n < TASKS; n++) lifecycle(n, undefined)
  const spent = process.cpuUsage(started)
  rounds.push((spent.user + spent.system) / TASKS)
}
console.log(`µs per task (CPU, 4 steps) by round: ${rounds.map((us) => us.toFixed(1)).join(" ")}; min ${Math.min(...rounds).toFixed(1)}`)
