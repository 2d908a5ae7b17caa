// The planner's CPU and its outputs, without servers: lifecycle tasks (task CREATE, agent RESERVE, task ASSIGN,
// START, COMPLETE, agent RELEASE, in the stream forms the edge, the runtime and the router write) applied through
// planBatch, commitBatch and finishBatch with the real actor kinds, decoder and hosts, their Postgres and Redis
// calls caught in memory (the next entries are built from them, as append-runs.lua, the router and the bench's
// bots would). Prints the CPU µs per entry of planning and carrying out (the minimum of the rounds) and a digest
// of everything they produced (rows, transitions, events, replies, timers, appends, acks): a change meant to keep
// the outputs must keep the digest.
//   node --import tsx bench/plan-cpu.ts [--tasks 3000] [--rounds 7] [--batch 10]
import { createHash } from "node:crypto"
import { parseArgs } from "node:util"
import { KINDS } from "../actors/index.ts"
import { keysFor } from "../src/redis/keys.ts"
import { partitionOf } from "../src/redis/partition.ts"
import type { RedisScripts } from "../src/redis/scripts.ts"
import type { StreamEntry } from "../src/redis/streams.ts"
import { ActorHost } from "../src/runtime/actor-host.ts"
import { type BatchIo, commitBatch, finishBatch } from "../src/runtime/execute-batch.ts"
import { decodeInboxEntry, ownCommandPayload, validateCommand } from "../src/runtime/inbox-codec.ts"
import { planBatch } from "../src/runtime/plan-batch.ts"
import type { Router, RoutingRequests } from "../src/runtime/router.ts"
import type { Sql } from "../src/store/db.ts"
import { decodeEventStreamEntry } from "../src/schema/event-stream.ts"
import { createTurns } from "../src/runtime/turns.ts"

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "3000" },
    rounds: { type: "string", default: "7" },
    batch: { type: "string", default: "10" },
  },
})
const TASKS = Number(values.tasks)
const ROUNDS = Number(values.rounds)
const BATCH = Number(values.batch)
const PARTITIONS = 4
const AGENTS = 64
const SLOTS = 4
/** Tasks created but not completed, at most (the bench creates its tasks at once; this keeps batches mixed). */
const IN_FLIGHT = 512
const START_MS = 1_764_547_200_000
const kinds = new Map(KINDS.map((kind) => [kind.kind, kind]))
const keys = keysFor("plan-cpu")

const uuid = (prefix: number, n: number) => `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

/** One run over the same input; `record` gets every output in order (the digest's input). */
const run = async (record: ((what: string, value: unknown) => void) | undefined): Promise<{ entries: number; cpuUs: number }> => {
  let clock = START_MS
  const inboxes = Array.from({ length: PARTITIONS }, () => [] as StreamEntry[])
  const hosts = Array.from({ length: PARTITIONS }, () => new ActorHost({ maxActors: 100_000 }))
  const push = (fields: Record<string, string>) => {
    const [kind = "", id = ""] = (fields["actor"] ?? "").split(":")
    clock += 1
    inboxes[partitionOf(kind, id, PARTITIONS)]!.push({ id: `${clock}-0`, fields })
  }
  const append = (command: { kind: string; id: string; type: string; payload: Record<string, unknown>; cmdId?: string }, own: boolean) => {
    const payload = (own ? ownCommandPayload : validateCommand)(command)
    push({ type: command.type, actor: `${command.kind}:${command.id}`, payload, ...(command.cmdId ? { cmdId: command.cmdId } : {}) })
  }

  // What the carrying out sends, caught; turned into the next entries once the batch is done (outside the timing).
  const calls: Array<[string, unknown]> = []
  const catching =
    <R>(what: string, answer: (args: unknown[]) => R) =>
    (...args: unknown[]) => {
      calls.push([what, args])
      return Promise.resolve(answer(args))
    }
  const scripts = {
    publish: catching("publish", (args) => (args[1] as unknown[]).map((_, n) => `${n}-0`)),
    applyTimers: catching("timers", (args) => (args[1] as unknown[]).length),
    appendRuns: catching("appendRuns", (args) => (args[1] as unknown[]).map(() => ({ id: "0-0", appended: 1 }))),
    // One call over several partitions (a single Redis): caught as one appendRuns call a partition, in order.
    appendRunsOver: (groups: ReadonlyArray<{ p: unknown; runs: unknown[] }>) => {
      for (const { p, runs } of groups) calls.push(["appendRuns", [p, runs]])
      return Promise.resolve(groups.map(({ runs }) => runs.map(() => ({ id: "0-0", appended: 1 }))))
    },
    deadLetters: catching("deadLetters", () => []),
    ack: catching("ack", (args) => (args[1] as unknown[]).length),
  } as unknown as RedisScripts
  // Each freed slot given back to its agent (as with nothing waiting), each leaving agent's slots held by their own tasks.
  const router: Router = {
    route: catching("route", (args) => {
      const { settles = [], leaving = [] } = args[0] as RoutingRequests
      return {
        settles: settles.map((settle) => ({
          transfer: false,
          slot: settle.taskId,
          successesBefore: 0,
          next: undefined,
          woken: [],
          told: false,
        })),
        leaving: leaving.map((agent) => agent.slots),
      }
    }),
    released: catching("released", () => undefined),
    sweep: async () => 0,
  }
  const io: BatchIo = {
    sql: undefined as unknown as Sql,
    commit: { write: catching("write", (args) => ({ _tag: "Written", actors: 0, transitions: 0, args })) },
    redis: undefined as never,
    scripts,
    keys,
    partitions: PARTITIONS,
    eventRetention: 100_000,
    append: catching("append", () => ({ streamId: "0-0", partition: 0, duplicate: false })),
    router,
    turns: createTurns(),
  }

  // The fleet: agents registered and connected; free slots as the router counts them.
  const agents = Array.from({ length: AGENTS }, (_, n) => uuid(0xa, n))
  const free = new Map(agents.map((id) => [id, SLOTS]))
  for (const [n, id] of agents.entries()) {
    const profile = { id, name: `bench-${n}`, capabilities: ["bench"], maxConcurrency: SLOTS, heartbeatIntervalMs: 3_600_000 }
    append({ kind: "agent", id, type: "CREATE", payload: profile }, false)
    append({ kind: "agent", id, type: "CONNECT", payload: {} }, false)
  }
  let created = 0
  let completed = 0
  const ready: string[] = []
  let nextAgent = 0
  const later: Array<() => void> = []

  const route = (requests: RoutingRequests, routingId: string) => {
    for (const request of requests.queue) ready.push(request.taskId)
    while (ready.length > 0) {
      const offset = agents.findIndex((_, n) => free.get(agents[(nextAgent + n) % AGENTS]!)! > 0)
      if (offset < 0) return
      const agent = agents[(nextAgent + offset) % AGENTS]!
      nextAgent = (nextAgent + offset + 1) % AGENTS
      free.set(agent, free.get(agent)! - 1)
      const taskId = ready.shift()!
      append({ kind: "agent", id: agent, type: "RESERVE", payload: { taskId }, cmdId: `${routingId}/${taskId}` }, true)
    }
  }

  const react = ([what, args]: [string, unknown]) => {
    if (what === "appendRuns") {
      for (const { type, actor, parts } of (
        args as [unknown, Array<{ type: string; actor: string; parts: Array<{ cmdId: string; payload: string }> }>]
      )[1]) {
        if (type === "RELEASE") free.set(actor.slice("agent:".length), free.get(actor.slice("agent:".length))! + parts.length)
        const [first] = parts
        if (parts.length === 1 && first) push({ type, actor, payload: first.payload, ...(first.cmdId ? { cmdId: first.cmdId } : {}) })
        else push({ type, actor, payload: `[${parts.map((part) => part.payload).join(",")}]`, batch: String(parts.length) })
      }
    } else if (what === "route") {
      const [requests, routingId] = args as [RoutingRequests, string]
      route(requests, routingId)
    } else if (what === "publish") {
      for (const fields of (args as [string, Array<Record<string, string>>])[1]) {
        const decoded = decodeEventStreamEntry(fields)
        if (!decoded.ok) throw new Error(decoded.error.message)
        const entry = decoded.value
        if (entry.type === "event" && entry.event.kind === "task" && entry.event.to === "completed") completed += 1
        if (entry.type !== "push" || entry.frame.type !== "task_assigned") continue
        const { agentId } = entry
        const { taskId: id, attempt } = entry.frame.payload as unknown as { taskId: string; attempt: number }
        const answer = (type: string) =>
          append(
            {
              kind: "task",
              id,
              type,
              payload: { agentId, attempt, ...(type === "COMPLETE" ? { result: { ok: true } } : {}) },
              cmdId: `bench/${id}/${attempt}/${type}`,
            },
            false,
          )
        answer("START")
        later.push(() => answer("COMPLETE"))
      }
    }
  }

  let entries = 0
  let cpuUs = 0
  let idle = 0
  for (let partition = 0; completed < TASKS; partition = (partition + 1) % PARTITIONS) {
    while (created < TASKS && created - completed < IN_FLIGHT) {
      const id = uuid(0x7, created)
      const payload = { id, title: `bench ${created}`, capability: "bench", dependsOn: [], blocked: false, payload: { i: created } }
      append({ kind: "task", id, type: "CREATE", payload }, false)
      created += 1
    }
    const inbox = inboxes[partition]!
    const batch = inbox.splice(0, BATCH)
    if (batch.length === 0) {
      if ((idle += 1) > PARTITIONS * 2) throw new Error(`stuck: ${completed} of ${TASKS} completed`)
      continue
    }
    idle = 0
    calls.length = 0
    const started = process.cpuUsage()
    const plan = planBatch({
      partition,
      partitions: PARTITIONS,
      entries: batch,
      decode: decodeInboxEntry,
      kinds,
      host: hosts[partition]!,
      stored: new Map(),
    })
    await commitBatch(io, partition, 1, plan)
    hosts[partition]!.commit(plan.working, clock)
    await finishBatch(io, partition, plan)
    const spent = process.cpuUsage(started)
    cpuUs += spent.user + spent.system
    entries += batch.length
    if (record) for (const [what, args] of calls) record(what, args)
    const caught = [...calls]
    const due = later.splice(0)
    for (const call of caught) react(call)
    for (const step of due) step()
  }
  return { entries, cpuUs }
}

/** Top-level members in name order (the store and the scripts read them by name); values as they are. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === "object"
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, (value as Record<string, unknown>)[key]]),
        )
      : value

const main = async () => {
  const digest = createHash("sha256")
  const parts = new Map<string, number>()
  const first = await run((what, args) => {
    // Rows and transitions: their own members by name (the store reads each by name), every value as serialised.
    const text =
      what === "write"
        ? JSON.stringify(
            (args as [{ rows: unknown[]; transitions: unknown[]; purges: unknown; assumedNew: unknown }]).map((batch) => ({
              ...batch,
              rows: batch.rows.map(canonical),
              transitions: batch.transitions.map(canonical),
            })),
          )
        : JSON.stringify(args)
    parts.set(what, (parts.get(what) ?? 0) + text.length)
    digest.update(what).update(text)
  })
  console.log(`entries ${first.entries} (${TASKS} tasks, batches of ${BATCH}, ${PARTITIONS} partitions)`)
  console.log(`output bytes by call: ${[...parts].map(([what, n]) => `${what} ${n}`).join(", ")}`)
  console.log(`digest ${digest.digest("hex")}`)
  const rounds: number[] = []
  for (let n = 0; n < ROUNDS; n += 1) {
    const { entries, cpuUs } = await run(undefined)
    rounds.push(cpuUs / entries)
  }
  console.log(`µs per entry (CPU) by round: ${rounds.map((us) => us.toFixed(1)).join(" ")}; min ${Math.min(...rounds).toFixed(1)}`)
}

await main()
