// Chaos support: proves, after the fact, from Postgres and the event stream, that every
// lifecycle completed exactly once. Postgres: each actor's transitions form one unbroken chain
// whose length is its version and whose end is its state; each task went through exactly its
// expected lifecycle; every agent ended idle with one success per task. Event stream: every
// transition has its event (same id on every copy, same content), nothing else is there, an
// actor's events come in order, and every assignment was pushed to its bot.
import type { Redis } from "ioredis"
import type { Keys } from "../../src/redis/keys.ts"
import { RUNTIME_GROUP } from "../../src/redis/keys.ts"
import { partitionOf } from "../../src/redis/partition.ts"
import { compareStreamIds } from "../../src/redis/stream-id.ts"
import { keyed } from "../../src/redis/streams.ts"
import { decodeEventStreamEntry } from "../../src/schema/event-stream.ts"
import type { Sql } from "../../src/store/db.ts"
import type { SessionPlan } from "./workload.ts"

export interface AuditInput {
  readonly sql: Sql
  readonly redis: Redis
  readonly keys: Keys
  readonly partitions: number
  readonly standalone: readonly string[]
  readonly sessions: readonly SessionPlan[]
  readonly agentIds: readonly string[]
  readonly maxConcurrency: number
}

export interface Audit {
  readonly lifecycles: number
  /** Standalone tasks created assigned: given to an agent at their intake. */
  readonly givenAtIntake: number
  /** Tasks that did not end `completed` (id: state). */
  readonly lost: string[]
  /** Tasks with a transition more than their lifecycle, or one repeated. */
  readonly duplicated: string[]
  /** Tasks and sessions whose history is not their expected lifecycle otherwise. */
  readonly malformed: string[]
  /** Actors whose transitions do not chain, or disagree with their version or state. */
  readonly broken: string[]
  readonly agentProblems: string[]
  /** Transitions without their event in the stream. */
  readonly missingEvents: string[]
  /** Events without a transition, or whose content differs from it or from another copy. */
  readonly strayEvents: string[]
  /** Actors whose events a subscriber would see out of order. */
  readonly outOfOrder: string[]
  /** Assignments never pushed to their bot. */
  readonly missingPushes: string[]
  /** Inbox entries left unread, unacknowledged or dead-lettered. */
  readonly leftovers: string[]
  readonly transitions: number
  readonly events: number
  /** Copies of an event beyond its first (redeliveries; subscribers drop them by id). */
  readonly eventDuplicates: number
  /** The events published more than once, each with the stream ids of its copies (printed, not failed: PROTOCOL's events
   * are at least once; the times say which fault published the later copy). */
  readonly repeatedEvents: string[]
  readonly pushDuplicates: number
}

interface TransitionRow {
  kind: string
  actor_id: string
  from_state: string | null
  to_state: string
  event: string
  stream_id: string
}

interface ActorRow {
  kind: string
  id: string
  state: string
  version: string
  context: { inflight?: string[]; successes?: number; failures?: number; metrics?: { tasks?: Record<string, number> } }
}

interface EventBody {
  id: string
  kind: string
  actor_id: string
  from: string | null
  to: string
  event: string
  /** The merge patch of the actor's view: an agent's `inflight` appears when it changes. */
  patch: { inflight?: string[] }
}

const STANDALONE = ["CREATE:null>ready", "ASSIGN:ready>assigned", "START:assigned>in_progress", "COMPLETE:in_progress>completed"]
/** A standalone task given to an agent at its intake (src/runtime/intake.ts) is created assigned. */
const GIVEN_AT_INTAKE = ["CREATE:null>assigned", ...STANDALONE.slice(2)]
/**
 * A session's task is created blocked; the session's SESSION_RUN and each dependency's DEPENDENCY_FINISHED
 * wake it (in either order: they come from different actors), the last one to ready.
 */
const WAKE = "WAKE"
const sessionTask = (dependencies: number) => [
  "CREATE:null>blocked",
  ...Array.from({ length: dependencies }, () => `${WAKE}:blocked>blocked`),
  `${WAKE}:blocked>ready`,
  ...STANDALONE.slice(1),
]
/** TASK_STATUS reports a session applies per task: ready, assigned, in_progress, completed. The reports
 * one runtime batch sends to a session arrive as one entry (append-runs.lua), applied as one transition. */
const REPORTS_PER_TASK = 4
const REPORT = /^TASK_STATUS:(queued|running)>(queued|running|completed)$/u

/** JSON with object keys sorted: a copy replayed from Postgres (jsonb) orders keys its own way. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, field: unknown) =>
    field && typeof field === "object" && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : 1)))
      : field,
  )

const step = (row: TransitionRow) => `${row.event}:${row.from_state ?? "null"}>${row.to_state}`
/** A session task's step, with the commands that wake it named alike (their order between actors is free). */
const sessionTaskStep = (row: TransitionRow) =>
  row.event === "SESSION_RUN" || row.event === "DEPENDENCY_FINISHED" ? `${WAKE}:${row.from_state}>${row.to_state}` : step(row)

export const audit = async (input: AuditInput): Promise<Audit> => {
  const { sql } = input
  const transitions = await sql<TransitionRow[]>`
    select kind, actor_id, from_state, to_state, event, stream_id from transitions order by kind, actor_id, stream_ms, stream_seq`
  const actors = await sql<ActorRow[]>`select kind, id, state, version, snapshot->'context' as context from actors`
  const history = new Map<string, TransitionRow[]>()
  for (const row of transitions) {
    const key = `${row.kind}:${row.actor_id}`
    const rows = history.get(key) ?? []
    rows.push(row)
    history.set(key, rows)
  }
  const byKey = new Map(actors.map((actor) => [`${actor.kind}:${actor.id}`, actor]))

  const result = {
    lost: [] as string[],
    duplicated: [] as string[],
    malformed: [] as string[],
    broken: [] as string[],
    agentProblems: [] as string[],
  }
  for (const actor of actors) result.broken.push(...chainProblems(actor, history.get(`${actor.kind}:${actor.id}`) ?? []))

  /** `expected`: the task's steps, one list for each way it may have gone. */
  const checkTask = (id: string, expected: ReadonlyArray<readonly string[]>, stepOf = step) => {
    const task = byKey.get(`task:${id}`)
    if (task?.state !== "completed") result.lost.push(`${id}: ${task?.state ?? "missing"}`)
    const steps = (history.get(`task:${id}`) ?? []).map(stepOf)
    const closest = expected.find((way) => way[0] === steps[0]) ?? expected[0]!
    if (steps.join() === closest.join()) return
    const repeated = new Set(steps).size < steps.length
    ;(steps.length > closest.length || repeated ? result.duplicated : result.malformed).push(`${id}: ${steps.join(" ")}`)
  }
  for (const id of input.standalone) checkTask(id, [STANDALONE, GIVEN_AT_INTAKE])
  const givenAtIntake = input.standalone.filter((id) => {
    const first = history.get(`task:${id}`)?.[0]
    return first !== undefined && step(first) === GIVEN_AT_INTAKE[0]
  }).length
  for (const session of input.sessions) {
    for (const id of session.roots) checkTask(id, [sessionTask(0)], sessionTaskStep)
    // The workload's dependants: test waits for build, ship for build and test.
    session.dependants.forEach((id, i) => checkTask(id, [sessionTask(i + 1)], sessionTaskStep))
    const tasks = session.roots.length + session.dependants.length
    const steps = (history.get(`session:${session.id}`) ?? []).map(step)
    const [created, started, ...reports] = steps
    const wellFormed =
      created === "CREATE:null>pending" &&
      started === "START:pending>queued" &&
      reports.length >= 1 &&
      reports.length <= REPORTS_PER_TASK * tasks &&
      reports.every((report) => REPORT.test(report)) &&
      reports.at(-1)?.endsWith(">completed") === true
    if (!wellFormed) {
      ;(reports.length > REPORTS_PER_TASK * tasks ? result.duplicated : result.malformed).push(`session ${session.id}: ${steps.join(" ")}`)
    }
    // a report applied twice, or lost, shows in the session's counts of its tasks by status
    const counts = Object.entries(byKey.get(`session:${session.id}`)?.context.metrics?.tasks ?? {}).filter(([, n]) => n !== 0)
    if (JSON.stringify(counts) !== JSON.stringify([["completed", tasks]])) {
      result.duplicated.push(`session ${session.id}: counts its tasks ${JSON.stringify(Object.fromEntries(counts))}`)
    }
  }

  const stream = await eventStream(input, transitions)
  const lifecycles = input.standalone.length + input.sessions.reduce((n, s) => n + s.roots.length + s.dependants.length, 0)
  let successes = 0
  for (const id of input.agentIds) {
    const agent = byKey.get(`agent:${id}`)
    successes += agent?.context.successes ?? 0
    const held = agent?.context.inflight ?? []
    if (agent?.state !== "online" || held.length > 0 || (agent.context.failures ?? 0) > 0) {
      result.agentProblems.push(
        `agent ${id}: ${agent?.state} inflight ${JSON.stringify(agent?.context.inflight)} failures ${agent?.context.failures}` +
          (held.length > 0 ? `, after ${stream.trace(id, held)}` : ""),
      )
    }
  }
  if (successes !== lifecycles) result.agentProblems.push(`agents counted ${successes} successes for ${lifecycles} completed tasks`)
  result.agentProblems.push(...stream.overReserved)
  return {
    lifecycles,
    givenAtIntake,
    ...result,
    transitions: transitions.length,
    ...stream.figures,
    missingEvents: stream.missingEvents,
    strayEvents: stream.strayEvents,
    outOfOrder: stream.outOfOrder,
    missingPushes: stream.missingPushes,
    repeatedEvents: stream.repeatedEvents,
    leftovers: await leftovers(input),
  }
}

/** An actor's transitions: a chain from creation to its state, one per version. */
const chainProblems = (actor: ActorRow, rows: readonly TransitionRow[]): string[] => {
  const name = `${actor.kind} ${actor.id}`
  const problems: string[] = []
  if (rows.length !== Number(actor.version)) problems.push(`${name}: ${rows.length} transitions for version ${actor.version}`)
  rows.forEach((row, n) => {
    const previous = n === 0 ? null : rows[n - 1]!.to_state
    if (row.from_state !== previous) problems.push(`${name}: ${step(row)} at ${row.stream_id} follows ${previous ?? "nothing"}`)
  })
  if (rows.at(-1)?.to_state !== actor.state) problems.push(`${name}: history ends in ${rows.at(-1)?.to_state}, state is ${actor.state}`)
  return problems
}

/** An event entry's body in the full form (snake_case, every field), decoded as the edges decode it. */
const fullEventBody = (fields: Record<string, string>): string => {
  const decoded = decodeEventStreamEntry(fields)
  if (!decoded.ok || decoded.value.type !== "event") return fields["body"] ?? "{}"
  const { actorId, topic, ...event } = decoded.value.event
  return JSON.stringify({ ...event, actor_id: actorId })
}

/** A slot's name in a report: its task id's first part. */
const short = (id: string): string => id.slice(0, 8)

/** The slots an agent's event added and removed (" +a -b"), its slots then kept in `holding`. */
const slotChange = (holding: Map<string, ReadonlySet<string>>, event: EventBody): string => {
  const before = holding.get(event.actor_id) ?? new Set<string>()
  const after = new Set(event.patch.inflight ?? [])
  holding.set(event.actor_id, after)
  const added = [...after].filter((id) => !before.has(id)).map(short)
  const removed = [...before].filter((id) => !after.has(id)).map(short)
  return `${added.length > 0 ? ` +${added.join(",")}` : ""}${removed.length > 0 ? ` -${removed.join(",")}` : ""}`
}

/** An agent's steps an over-reservation's or a held slot's report names, at most. */
const LAST_STEPS = 12

/** `event` as its actor's latest step in `steps` (event, states, and `detail`), the last LAST_STEPS kept. */
const addStep = (steps: Map<string, string[]>, event: EventBody, detail: string): void => {
  const last = [...(steps.get(event.actor_id) ?? []), `${event.id} ${event.event} ${event.from}>${event.to}${detail}`]
  steps.set(event.actor_id, last.slice(-LAST_STEPS))
}

/** Reads the whole event stream and checks it against the transitions. */
const eventStream = async (input: AuditInput, transitions: readonly TransitionRow[]) => {
  const events = new Map<string, { body: string; count: number; position: number; copies: string[] }>()
  const pushes = new Map<string, number>()
  const overReserved: string[] = []
  // Each agent's last steps (event, states, slots held), so an over-reservation says what led to it.
  const steps = new Map<string, string[]>()
  // Each agent's slots held after its last event, and each task's last steps: an over-reservation's slots traced.
  const holding = new Map<string, ReadonlySet<string>>()
  const taskSteps = new Map<string, string[]>()
  const divergent: string[] = []
  // Every step of each agent, so a slot left held shows where it came and went.
  const agentSteps = new Map<string, string[]>()
  /** An agent's last steps, then for each of `slots` the agent's steps that name it and its task's last steps. */
  const trace = (agentId: string, slots: readonly string[]): string =>
    `${(steps.get(agentId) ?? []).join("; ")}\n    ${slots
      .map((id) => {
        const naming = (agentSteps.get(agentId) ?? []).filter((line) => line.includes(short(id)))
        return `${short(id)}: agent ${naming.join("; ")}; task ${(taskSteps.get(id) ?? []).join(", ")}`
      })
      .join("\n    ")}`
  let position = 0
  let total = 0
  for (let after = "-"; ; ) {
    const page = (await input.redis.xrange(input.keys.events, after, "+", "COUNT", 5_000)) as Array<[string, string[]]>
    if (page.length === 0) break
    for (const [streamId, flat] of page) {
      const fields = Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]))
      const body = fields["type"] === "event" ? fullEventBody(fields) : (fields["body"] ?? "{}")
      if (fields["type"] === "event") {
        total += 1
        const event = JSON.parse(body) as EventBody
        const seen = events.get(event.id)
        if (seen) {
          seen.count += 1
          seen.copies.push(streamId)
          if (canonical(JSON.parse(seen.body)) !== canonical(event))
            divergent.push(`event ${event.id} published again with different content`)
        } else {
          events.set(event.id, { body, count: 1, position: position++, copies: [streamId] })
        }
        const inflight = event.kind === "agent" ? (event.patch.inflight ?? []) : []
        if (event.kind === "agent") {
          const held = event.patch.inflight === undefined ? "" : ` (${inflight.length} held${slotChange(holding, event)})`
          addStep(steps, event, held)
          const all = agentSteps.get(event.actor_id) ?? []
          all.push(steps.get(event.actor_id)!.at(-1)!)
          agentSteps.set(event.actor_id, all)
        } else {
          addStep(taskSteps, event, "")
        }
        if (inflight.length > input.maxConcurrency || new Set(inflight).size < inflight.length) {
          overReserved.push(
            `agent ${event.actor_id} over-reserved at ${event.id}: ${JSON.stringify(inflight)}, after ${trace(event.actor_id, inflight)}`,
          )
        }
      } else if (fields["type"] === "push") {
        const push = JSON.parse(body) as { type: string; payload: { task_id: string; attempt: number } }
        if (push.type === "task_assigned") {
          const key = `${push.payload.task_id}:${push.payload.attempt}`
          pushes.set(key, (pushes.get(key) ?? 0) + 1)
        }
      }
    }
    after = `(${page.at(-1)![0]}`
  }

  const missingEvents: string[] = []
  const strayEvents = [...divergent]
  const outOfOrder = new Set<string>()
  const missingPushes: string[] = []
  const expectedIds = new Set<string>()
  const lastPosition = new Map<string, number>()
  for (const row of transitions) {
    const id = `${row.stream_id}:${partitionOf(row.kind, row.actor_id, input.partitions)}`
    expectedIds.add(id)
    const event = events.get(id)
    if (!event) {
      missingEvents.push(`${row.kind} ${row.actor_id} ${step(row)} (${id})`)
      continue
    }
    const body = JSON.parse(event.body) as EventBody
    if (
      body.kind !== row.kind ||
      body.actor_id !== row.actor_id ||
      body.from !== row.from_state ||
      body.to !== row.to_state ||
      body.event !== row.event
    ) {
      strayEvents.push(`event ${id} says ${body.event}:${body.from}>${body.to}, the transition ${step(row)}`)
    }
    // Rows come in stream order per actor: the first copies must come in that order too.
    const actor = `${row.kind}:${row.actor_id}`
    if ((lastPosition.get(actor) ?? -1) > event.position) outOfOrder.add(actor)
    lastPosition.set(actor, event.position)
    const assigned = (row.event === "ASSIGN" || row.event === "CREATE") && row.to_state === "assigned" && row.from_state !== "assigned"
    if (assigned && !pushes.has(`${row.actor_id}:1`)) missingPushes.push(row.actor_id)
  }
  for (const id of events.keys()) if (!expectedIds.has(id)) strayEvents.push(`event ${id} has no transition`)

  const sum = (values: Iterable<number>) => [...values].reduce((n, v) => n + v, 0)
  return {
    missingEvents,
    strayEvents,
    outOfOrder: [...outOfOrder],
    missingPushes,
    repeatedEvents: [...events]
      .filter(([, event]) => event.count > 1)
      .map(([id, event]) => {
        const body = JSON.parse(event.body) as EventBody
        return `${id} ${body.kind} ${short(body.actor_id)} ${body.event}: copies at ${event.copies.join(", ")}`
      }),
    overReserved,
    trace,
    figures: {
      events: total,
      eventDuplicates: sum([...events.values()].map((event) => event.count - 1)),
      pushDuplicates: sum([...pushes.values()].map((count) => count - 1)),
    },
  }
}

/** Inbox entries not yet applied: never read, or read and not acknowledged. */
export const unsettledInboxes = async (redis: Redis, keys: Keys, partitions: number): Promise<string[]> => {
  const found: string[] = []
  for (let p = 0; p < partitions; p += 1) {
    const inbox = keys.partition(p).inbox
    const [last] = (await redis.xrevrange(inbox, "+", "-", "COUNT", 1)) as Array<[string, string[]]>
    const groups = (await keyed(redis, "XINFO", "GROUPS", inbox)) as Array<Array<string | number>>
    const group = groups
      .map((flat) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])))
      .find((g) => g["name"] === RUNTIME_GROUP)
    const lastDelivered = String(group?.["last-delivered-id"] ?? "0-0")
    if (last && compareStreamIds(lastDelivered, last[0]) < 0) found.push(`partition ${p}: unread after ${lastDelivered}`)
    if (Number(group?.["pending"] ?? 0) > 0) found.push(`partition ${p}: ${group?.["pending"]} unacknowledged`)
  }
  return found
}

/** What the inboxes still hold: entries not applied, and dead letters. */
const leftovers = async (input: AuditInput): Promise<string[]> => {
  const found = await unsettledInboxes(input.redis, input.keys, input.partitions)
  for (let p = 0; p < input.partitions; p += 1) {
    const dead = await input.redis.xlen(input.keys.partition(p).dead)
    if (dead > 0) found.push(`partition ${p}: ${dead} dead letters`)
  }
  return found
}
