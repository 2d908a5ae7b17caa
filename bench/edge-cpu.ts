// The edge's own code on a fleet task's path, without servers: each function called as the edge calls it, for one
// task of the fleet scenario (its share of a 1,000-task batch body checked, and its CREATE checked, for the batch
// route; its bot's task_started and task_complete decoded, made commands and checked; their two acks encoded; the
// task_assigned push decoded by the event-stream reader and encoded again). Prints the CPU µs per task of each part
// (the minimum of the rounds), and what the parts no longer on the path cost (the body's Schema decode, and the two
// `applied` replies a bot's frames got before they asked for refusals only: round 12), and, apart, what a task's four
// transitions cost the event-stream reader when some event socket is open (none is in the fleet scenario: they are
// passed over unread): decoded by the plain check, and by the Schemas as before round 18. Not measured: the sockets
// and Redis's calls.
//   node --import tsx bench/edge-cpu.ts [--tasks 2000] [--rounds 7]
import { randomUUID } from "node:crypto"
import { parseArgs } from "node:util"
import { commandFor } from "../src/edge/sockets/control-commands.ts"
import { validateCommand } from "../src/runtime/inbox-codec.ts"
import { decodeInput } from "../src/schema/errors.ts"
import {
  decodeEntryBySchema,
  decodeEventStreamEntry,
  eventEntryFields,
  eventEntryTopics,
  parsedEntryBody,
} from "../src/schema/event-stream.ts"
import { decodeBotFrame, encodeServerFrame } from "../src/schema/frames.ts"
import { CreateTaskBatchBody, MAX_BATCH_TASKS, plainTaskBatchBody } from "../src/schema/http.ts"
import { initialTransition } from "xstate"
import { taskView } from "../actors/views.ts"
import { taskMachine } from "../machines/task.ts"

const { values } = parseArgs({ options: { tasks: { type: "string", default: "2000" }, rounds: { type: "string", default: "7" } } })
const TASKS = Number(values.tasks)
const ROUNDS = Number(values.rounds)
const AT_MS = 1_764_547_200_000
const AT = new Date(AT_MS).toISOString()

const agentId = randomUUID()
const tasks = Array.from({ length: TASKS }, () => randomUUID())
const bytes = (frame: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(frame))

/** What one task brings the edge, as the batch route, the bots and the runtime write it. */
const inputs = tasks.map((id, n) => ({
  creation: {
    kind: "task",
    id,
    type: "CREATE",
    payload: {
      id,
      title: `bench ${n}`,
      capability: "bench",
      dependsOn: [],
      payload: { i: n },
      timeoutS: 300,
      maxAttempts: 3,
      priority: 2,
      blocked: false,
    },
  },
  frames: [
    { ref: `s-${n}`, bytes: bytes({ type: "task_started", id: `s-${n}`, payload: { task_id: id, attempt: 1 } }) },
    {
      ref: `c-${n}`,
      bytes: bytes({ type: "task_complete", id: `c-${n}`, payload: { task_id: id, attempt: 1, success: true, result: { i: n } } }),
    },
  ],
  push: {
    type: "push",
    topics: `control:${agentId}`,
    body: JSON.stringify({
      id: `own/${id}`,
      type: "task_assigned",
      payload: { task_id: id, capability: "bench", title: `bench ${n}`, payload: { i: n }, attempt: 1, deadline: AT },
    }),
  },
  replies: ["in_progress", "completed"].map((state, i) => ({
    type: "reply",
    topics: `reply:edge-1:${2 * n + i}`,
    body: JSON.stringify({ outcome: "applied", actor: { kind: "task", id }, state, stream_id: `${AT_MS}-${2 * n + i}` }),
  })),
}))
type Input = (typeof inputs)[number]

/** A fleet task's four transitions as the runtime writes them on the event stream (compact: event-stream.ts). */
const transitionsOf = (id: string, n: number): Array<Record<string, string>> => {
  const entry = (step: number) => `${AT_MS + step}-${n}`
  const [ready] = initialTransition(taskMachine, {
    id,
    title: `bench ${n}`,
    capability: "bench",
    payload: { i: n },
    dependsOn: [],
    blocked: false,
    at: AT_MS,
  })
  const steps: ReadonlyArray<readonly [string | null, string, string, Record<string, unknown>]> = [
    [null, "ready", "CREATE", { ...taskView(id, ready.context, String(ready.value)), created_at: AT }],
    ["ready", "assigned", "ASSIGN", { status: "assigned", agent_id: agentId, attempt: 1, deadline_at: AT }],
    ["assigned", "in_progress", "START", { status: "in_progress", started_at: AT }],
    ["in_progress", "completed", "COMPLETE", { status: "completed", progress: 1, result: { i: n }, finished_at: AT, deadline_at: null }],
  ]
  return steps.map(([from, to, event, patch], step) => {
    const at = new Date(AT_MS + step).toISOString()
    return eventEntryFields({
      id: `${entry(step)}:0`,
      topics: ["tasks", `task:${id}`, "machines"],
      kind: "task",
      actor_id: id,
      version: step + 1,
      from,
      to,
      event,
      patch: { ...patch, updated_at: at, stream_id: entry(step), version: step + 1 },
      at,
    })
  })
}
const transitions = tasks.map(transitionsOf)

/** The batch bodies of the tasks, as the route has them once parsed (the fleet's: title, capability, payload). */
const bodies = Array.from({ length: Math.ceil(TASKS / MAX_BATCH_TASKS) }, (_, b) => ({
  tasks: inputs
    .slice(b * MAX_BATCH_TASKS, (b + 1) * MAX_BATCH_TASKS)
    .map(({ creation }) => ({ title: creation.payload.title, capability: "bench", payload: creation.payload.payload })),
}))
/** Each body's decode, at the task that starts it (so a part's µs per task is its share). */
const bodyAt = (n: number, decode: (body: unknown) => unknown): void => {
  if (n % MAX_BATCH_TASKS === 0) kept += decode(bodies[n / MAX_BATCH_TASKS]) === undefined ? 0 : 1
}

/** Keeps every result alive, so that nothing is optimised away. */
let kept = 0

const PARTS: ReadonlyArray<readonly [string, (input: Input, n: number) => void]> = [
  [
    "its share of the batch body checked (plain check)",
    (_, n) =>
      bodyAt(n, (body) => {
        const plain = plainTaskBatchBody(body)
        if (plain === undefined) throw new Error("the plain check did not take the bench's body")
        return plain
      }),
  ],
  ["the CREATE checked (validateCommand)", ({ creation }) => (kept += validateCommand(creation).length)],
  [
    "two frames decoded, made commands, checked",
    ({ frames }, n) => {
      for (const { ref, bytes: frame } of frames) {
        const decoded = decodeBotFrame(frame)
        if (!decoded.ok) throw decoded.error
        const { kind, id, type, payload } = commandFor(decoded.value, agentId)
        kept += validateCommand({
          kind,
          id,
          type,
          payload,
          cmdId: `${agentId}:${ref}`,
          replyTo: `edge-1.${n}`,
          replyWhen: "rejected",
        }).length
      }
    },
  ],
  [
    "two acks encoded",
    ({ frames }, n) => {
      for (const { ref } of frames) kept += encodeServerFrame({ type: "ack", payload: { ref, streamId: `${AT_MS}-${n}` } }, AT_MS).length
    },
  ],
  [
    "the push decoded and encoded",
    ({ push }) => {
      const decoded = decodeEventStreamEntry(push)
      if (!decoded.ok || decoded.value.type !== "push") throw new Error("push not decoded")
      kept += encodeServerFrame(decoded.value.frame, AT_MS).length
    },
  ],
]

/** What is no longer on a task's path (not in the total). */
const GONE: ReadonlyArray<readonly [string, (input: Input, n: number) => void]> = [
  ["its share of the batch body decoded by the Schema (round 11)", (_, n) => bodyAt(n, (body) => decodeInput(CreateTaskBatchBody, body))],
  [
    "two applied replies decoded (round 11)",
    ({ replies }) => {
      for (const reply of replies) kept += decodeEventStreamEntry(reply).ok ? 1 : 0
    },
  ],
]

/** What a task's transitions cost the reader while an event socket is open (not in the total). */
const WATCHED: ReadonlyArray<readonly [string, (input: Input, n: number) => void]> = [
  [
    "its four transitions decoded (plain check)",
    (_, n) => {
      for (const entry of transitions[n]!) kept += decodeEventStreamEntry(entry).ok ? 1 : 0
    },
  ],
  [
    "... their topics read first, as the fan-out does (each body parsed once)",
    (_, n) => {
      for (const entry of transitions[n]!) {
        const body = parsedEntryBody(entry)
        kept += (eventEntryTopics(entry, body)?.length ?? 0) + (decodeEventStreamEntry(entry, body).ok ? 1 : 0)
      }
    },
  ],
  [
    "... their topics read first, each body parsed twice (before round 22)",
    (_, n) => {
      for (const entry of transitions[n]!) kept += (eventEntryTopics(entry)?.length ?? 0) + (decodeEventStreamEntry(entry).ok ? 1 : 0)
    },
  ],
  [
    "its four transitions decoded by the Schemas (before round 18)",
    (_, n) => {
      for (const entry of transitions[n]!) kept += decodeEntryBySchema(entry).ok ? 1 : 0
    },
  ],
]

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

const best = new Map<string, number>()
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, part] of [...PARTS, ...GONE, ...WATCHED]) {
    const started = cpuMicros()
    inputs.forEach((input, n) => part(input, n))
    best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, (cpuMicros() - started) / TASKS))
  }
}
let total = 0
for (const [name] of PARTS) {
  const micros = best.get(name) ?? 0
  total += micros
  console.log(`${micros.toFixed(1).padStart(7)} µs  ${name}`)
}
console.log(
  `${total.toFixed(1).padStart(7)} µs  per task (the minimum of ${ROUNDS} rounds of ${TASKS} tasks; ${kept > 0 ? "outputs kept" : "no output"})`,
)
console.log("no longer on the path:")
for (const [name] of GONE) console.log(`${(best.get(name) ?? 0).toFixed(1).padStart(7)} µs  ${name}`)
console.log("with an event socket open (a dashboard), the event-stream reader also pays, per task:")
for (const [name] of WATCHED) console.log(`${(best.get(name) ?? 0).toFixed(1).padStart(7)} µs  ${name}`)
