// Carries out a planned batch (invariant 4) in two steps: commit the rows under the partition's
// fence (one statement, committed with the other partitions' batches of this process); then publish
// events, arm timers, append follow-up commands and route, dead-letter and acknowledge. Any failure
// leaves the entries pending for a redelivery.
import type { Redis } from "ioredis"
import type { Keys } from "../redis/keys.ts"
import type { Sql } from "../store/db.ts"
import { partitionOf } from "../redis/partition.ts"
import type { AppendRun, RedisScripts, TimerOp } from "../redis/scripts.ts"
import { eventEntryFields } from "../schema/event-stream.ts"
import type { GroupCommit } from "./group-commit.ts"
import type { AppendFn } from "./append.ts"
import { ownCommandPayload } from "./inbox-codec.ts"
import type { BatchPlan } from "./plan-batch.ts"
import type { OutboxItem } from "./outbox.ts"
import type {
  ActorRef,
  AgentTasksOutput,
  CoverageOutput,
  FillAgentOutput,
  GroupReleaseOutput,
  ReleaseOutput,
  RouteTaskOutput,
} from "./actor-kind.ts"
import type { Settled } from "../redis/ready-queue.ts"
import type { Router } from "./router.ts"
import { sessionCoverage } from "../store/coverage.ts"
import { storedOutbox } from "./stored-outbox.ts"
import { notPublishedBefore } from "./republish.ts"
import type { Turns } from "./turns.ts"
import { MAX_ENTRY_PAYLOAD_BYTES } from "../schema/commands.ts"

export interface BatchIo {
  readonly sql: Sql
  readonly commit: GroupCommit
  readonly redis: Redis
  readonly scripts: RedisScripts
  readonly keys: Keys
  readonly partitions: number
  /** About how many entries the event stream keeps (MAXLEN ~). */
  readonly eventRetention: number
  readonly append: AppendFn
  readonly router: Router
  /** The process's turns of the event loop, shared by its partitions' plans and carrying out (turns.ts). */
  readonly turns: Turns
}

/** Done (with how long the one-statement Postgres write took), refused for a newer fence, or not written
 * because an actor it created without reading its row exists (`assumedNew`). */
export type BatchOutcome =
  | { readonly _tag: "Done"; readonly writeSeconds: number }
  | { readonly _tag: "StaleFence" }
  | { readonly _tag: "Clashed" }

/** An entry of the event stream: `type` event | push | reply, `topics` comma-separated, `body` JSON (an event's compact: src/schema/event-stream.ts). */
export const eventStreamEntry = (item: OutboxItem): Record<string, string> | undefined => {
  switch (item._tag) {
    case "event":
      // Read by name: the item's own members (`_tag`, `entryId`) are not part of the entry.
      return eventEntryFields(item)
    case "push":
      // `id` then the frame's members, without a spread after a member (V8's slow path).
      return { type: "push", topics: `control:${item.agentId}`, body: JSON.stringify(Object.assign({ id: item.cmdId }, item.frame)) }
    case "reply": {
      const { _tag, entryId, cmdId, replyTo, ...body } = item
      // `cmd_id`: a refusal of a command that asked for refusals only names it (plan-batch.ts `replyItem`).
      const named = cmdId === undefined ? { ...body, stream_id: entryId } : { ...body, cmd_id: cmdId, stream_id: entryId }
      return { type: "reply", topics: `reply:${replyTo}`, body: JSON.stringify(named) }
    }
    default:
      return undefined
  }
}

/** The id `item`'s entry is published under (`eventStreamEntry`; republish.ts `publishedId` reads it back): an event's id,
 * a push's command id. */
const publishedIdOf = (item: OutboxItem): string | undefined =>
  item._tag === "event" ? item.id : item._tag === "push" ? item.cmdId : undefined

/** The edge a reply address (`<edgeId>:<n>`) belongs to. */
const edgeOf = (replyTo: string): string => replyTo.slice(0, Math.max(0, replyTo.lastIndexOf(":"))) || replyTo

/** An outbox asks for its turn of the event loop before it builds its calls, and a long one (a large session's
 * creation: a send per task) again every this many items (turns.ts). */
const TURN_CHECK_ITEMS = 256

/** Answers kept per edge reply stream, and how long a stream outlives its last answer (an edge that
 * went away leaves nothing behind). */
const REPLIES_KEPT = 1_000
const REPLIES_TTL_MS = 60_000

/** Persists a planned batch under the partition's fence (committed with the other partitions'
 * batches of this process). Written even when nothing changed: the fence check then keeps a former
 * owner from acknowledging entries (a redelivery, a refusal) that the new owner has yet to apply. */
export const commitBatch = async (
  io: BatchIo,
  partition: number,
  fence: number,
  plan: BatchPlan,
  assumedNew: ReadonlyArray<{ readonly kind: string; readonly id: string }> = [],
): Promise<BatchOutcome> => {
  const writing = performance.now()
  const written = await io.commit.write({
    partition,
    fence,
    // Object.assign rather than a literal with members after a spread (on V8 each takes its slow path: about 9 µs a row).
    rows: plan.rows.map(({ columns, outbox, ...row }) => Object.assign({}, row, { outbox: storedOutbox(row, partition, outbox) }, columns)),
    transitions: plan.transitions,
    purges: plan.purges,
    assumedNew,
  })
  if (written._tag !== "Written") return { _tag: written._tag }
  return { _tag: "Done", writeSeconds: (performance.now() - writing) / 1000 }
}

/** What a committed batch causes: its outbox carried out, then its dead letters moved and its entries acknowledged
 * (acknowledgeBatch). */
export const finishBatch = async (io: BatchIo, partition: number, plan: BatchPlan): Promise<void> => {
  await carryOutBatch(io, plan)
  await acknowledgeBatch(io, partition, plan)
}

/** A check run once everything a batch sends is built and before any of it is sent: undefined when there is nothing
 * to wait for, else a promise that rejects to keep the batch from being carried out (partition-worker.ts: a lease that
 * may have lapsed is read first). */
export type BeforeSending = () => Promise<void> | undefined

/** A committed batch's outbox carried out (its events published, its sends appended, its routing done), once
 * `beforeSending` allows it. */
export const carryOutBatch = (io: BatchIo, plan: BatchPlan, beforeSending?: BeforeSending): Promise<void> =>
  carryOut(io, plan.outbox, plan.replayed, beforeSending)

/** Once its outbox is carried out: a batch's dead letters moved (one call) and its entries acknowledged, side by side
 * (a dead letter may carry an answer to whoever waits for it), and either may fail alone (an entry not acknowledged is
 * redelivered). */
export const acknowledgeBatch = async (io: BatchIo, partition: number, plan: BatchPlan): Promise<void> => {
  const keys = io.keys.partition(partition)
  await Promise.all([
    io.scripts.deadLetters(
      keys,
      plan.deadLetters.map(({ entry, reason }) => ({ id: entry.id, reason })),
    ),
    io.scripts.ack(keys, plan.ackIds),
  ])
}

const NONE: ReadonlySet<string> = new Set()

/** A target's sends in order: runs (sends of one type in a row, one entry each) and coverage answers (a query first). */
type SendStep = { readonly _tag: "run"; readonly run: SendRun } | { readonly _tag: "coverage"; readonly item: CoverageOutput & OutboxItem }

/** Each target's sends, in order, by target (`kind:id`). */
type Sends = Map<string, { readonly to: ActorRef; readonly steps: SendStep[] }>

/** The steps of `to` in `sends`, an empty list put there first when it has none. */
const stepsOf = (sends: Sends, to: ActorRef): SendStep[] => {
  const target = `${to.kind}:${to.id}`
  let found = sends.get(target)
  if (!found) sends.set(target, (found = { to, steps: [] }))
  return found.steps
}

/** Adds a send to its target's steps: sends of one type in a row to one actor go as one batched entry. */
const addSend = (sends: Sends, to: ActorRef, type: string, payload: Readonly<Record<string, unknown>>, cmdId: string | undefined): void => {
  const part = { cmdId: cmdId ?? "", payload: ownCommandPayload({ kind: to.kind, id: to.id, type, payload }) }
  const steps = stepsOf(sends, to)
  const last = steps.at(-1)
  if (last?._tag === "run" && last.run.type === type && fits(last.run, part)) {
    last.run.parts.push(part)
    last.run.bytes += part.payload.length
  } else {
    steps.push({ _tag: "run", run: { to, type, parts: [part], bytes: part.payload.length } })
  }
}

/** A RELEASE's payload: the released task, its slot when another task's (the agent names a slot by the task it
 * reserved it for), the successes transferred before it, whether its slot was given straight by a wake (`told`: its
 * GIVEN may arrive after this RELEASE), and the task the router took for the freed slot, with its facts (its group
 * only when it has one). Members added after the literal, not spread into it (V8's slow path). */
const releasePayload = (item: ReleaseOutput, settled: Settled): Record<string, unknown> => {
  const payload: Record<string, unknown> = { taskId: item.taskId, outcome: item.outcome }
  if (settled.slot !== item.taskId) payload["slot"] = settled.slot
  if (settled.successesBefore > 0) payload["successesBefore"] = settled.successesBefore
  if (settled.told) payload["told"] = true
  const next = settled.next
  if (next === undefined) return payload
  payload["nextTaskId"] = next.taskId
  payload["nextCapability"] = next.capability
  payload["nextPriority"] = next.priority
  if (next.group !== null) payload["nextGroup"] = next.group
  payload["nextSince"] = next.since
  return payload
}

/** The command id an item's follow-ups derive theirs from. */
const itemCmdId = (item: OutboxItem): string => item.cmdId ?? item.entryId

/**
 * Carries out outbox items; every one is idempotent, so doing them twice is harmless. Everything is started at
 * once, the events' publishing first, and awaited together: the commands go on the same connection after the
 * events (Redis runs them in that order), and nothing is acknowledged before all of it is done. Per partition,
 * the batch's timers are one call (in their order); its sends to every partition one call (each target's in order;
 * one a partition in a Redis Cluster). What the batch's routing call decides waits for it: each freed agent slot's
 * settle (ASSIGN to the task its slot is transferred to, or RELEASE to the agent with its next task) and each leaving
 * agent's commands to the tasks holding its slots; they are then appended as the other sends are, in one call.
 */
const carryOut = async (
  io: BatchIo,
  items: ReadonlyArray<OutboxItem>,
  replayed: ReadonlySet<string> = NONE,
  beforeSending?: BeforeSending,
): Promise<void> => {
  // Transitions and pushes go to the event stream every edge reads; an answer goes only to the
  // stream of the edge that waits for it.
  const caused: Array<Record<string, string>> = []
  // The entries of `caused` that redelivered inbox entries caused, with the id each is published under: the stream may
  // hold them already (republish.ts).
  const again = new Map<number, string>()
  const replies = new Map<string, Array<Record<string, string>>>()
  for (const [n, item] of items.entries()) {
    if (n % TURN_CHECK_ITEMS === 0) await io.turns.myTurn()
    const entry = eventStreamEntry(item)
    if (entry === undefined) continue
    if (item._tag === "reply") listAt(replies, io.keys.replies(edgeOf(item.replyTo))).push(entry)
    else {
      const id = replayed.has(item.entryId) ? publishedIdOf(item) : undefined
      if (id !== undefined) again.set(caused.length, id)
      caused.push(entry)
    }
  }
  const published = again.size === 0 ? caused : await notPublishedBefore(io.redis, io.keys.events, caused, again, replayed)
  // Timers by partition, in order (an arm then a clear of one timer ends cleared). Sends by target, in order:
  // sends of one type in a row to one actor go as one batched entry (a session's task reports: one entry per batch).
  const timers = new Map<number, TimerOp[]>()
  const sends: Sends = new Map()
  const queue: RouteTaskOutput[] = []
  const fills: FillAgentOutput[] = []
  const releases: GroupReleaseOutput[] = []
  const agentReleases: Array<ReleaseOutput & OutboxItem> = []
  const agentTasks: Array<AgentTasksOutput & OutboxItem> = []
  let routingId: string | undefined
  for (const [n, item] of items.entries()) {
    if (n % TURN_CHECK_ITEMS === 0) await io.turns.myTurn()
    switch (item._tag) {
      case "timer_arm": {
        const { type, ...event } = item.event
        // The entry the timer appends when it fires carries its payload in stream form, as any other.
        const payload = ownCommandPayload({ kind: item.ref.kind, id: item.ref.id, type, payload: event })
        listAt(timers, partitionOf(item.ref.kind, item.ref.id, io.partitions)).push({
          op: "arm",
          actor: `${item.ref.kind}:${item.ref.id}`,
          name: item.name,
          fireAt: item.fireAt,
          type,
          payload,
        })
        break
      }
      case "timer_clear":
        listAt(timers, partitionOf(item.ref.kind, item.ref.id, io.partitions)).push({
          op: "clear",
          actor: `${item.ref.kind}:${item.ref.id}`,
          name: item.name,
        })
        break
      case "send":
        addSend(sends, item.to, item.type, item.payload, item.cmdId)
        break
      case "release":
        agentReleases.push(item)
        routingId ??= itemCmdId(item)
        break
      case "agent_tasks":
        agentTasks.push(item)
        routingId ??= itemCmdId(item)
        break
      case "route_task":
        queue.push(item)
        routingId ??= itemCmdId(item)
        break
      case "fill_agent":
        fills.push(item)
        routingId ??= itemCmdId(item)
        break
      case "coverage":
        stepsOf(sends, item.reply.to).push({ _tag: "coverage", item })
        break
      case "group_release":
        releases.push(item)
        routingId ??= itemCmdId(item)
        break
      default:
        break
    }
  }

  // Nothing is sent before every item is checked (a command that fails its Schema leaves no call in flight), nor before
  // the caller's check; from here on, every call goes out in this turn of the event loop.
  const check = beforeSending?.()
  if (check !== undefined) await check
  const publishing = [
    io.scripts.publish(io.keys.events, published, io.eventRetention),
    ...[...replies].map(([stream, entries]) => io.scripts.publish(stream, entries, REPLIES_KEPT, REPLIES_TTL_MS)),
  ]
  const timing = [...timers].map(([partition, ops]) => io.scripts.applyTimers(io.keys.partition(partition), ops))
  const sending = appendSends(io, sends)
  // The batch's routing in one go: its queries and proposals are per batch, not per item; then what it settled (built
  // from the runtime's own facts, checked as they are appended). A redelivered entry's slot is settled as its first
  // carrying out settled it (the script keeps each decision under its command id): the same commands, deduplicated.
  const routing =
    routingId === undefined
      ? []
      : [
          io.router
            .route(
              {
                queue,
                fills,
                releases,
                settles: agentReleases.map((item) => ({
                  cmdId: itemCmdId(item),
                  agentId: item.agentId,
                  taskId: item.taskId,
                  outcome: item.outcome,
                  replayed: replayed.has(item.entryId),
                })),
                leaving: agentTasks.map((item) => ({
                  cmdId: itemCmdId(item),
                  agentId: item.agentId,
                  slots: item.slots,
                  capabilities: item.capabilities ?? [],
                  lost: item.lost,
                  ...(typeof item.payload["reason"] === "string" ? { lossReason: item.payload["reason"] } : {}),
                })),
              },
              routingId,
            )
            .then(({ settles, leaving }) => {
              const decided: Sends = new Map()
              agentReleases.forEach((item, n) => {
                const settled = settles[n]!
                if (settled.transfer && settled.next !== undefined)
                  addSend(
                    decided,
                    { kind: "task", id: settled.next.taskId },
                    "ASSIGN",
                    { agentId: item.agentId },
                    `${itemCmdId(item)}/next`,
                  )
                else addSend(decided, { kind: "agent", id: item.agentId }, "RELEASE", releasePayload(item, settled), item.cmdId)
              })
              agentTasks.forEach((item, n) => {
                for (const taskId of leaving[n] ?? [])
                  addSend(decided, { kind: "task", id: taskId }, item.type, item.payload, `${itemCmdId(item)}/${taskId}`)
              })
              // A given slot's RELEASE appended is ahead of any GIVEN its freed slot brings: no longer counted on its way.
              const told = agentReleases.flatMap((item, n) => {
                const settled = settles[n]!
                return settled.told ? [{ agentId: item.agentId, slot: settled.slot }] : []
              })
              return Promise.all(appendSends(io, decided)).then(() => io.router.released(told))
            }),
        ]
  await Promise.all([...publishing, ...timing, ...sending, ...routing])
  // An actor erased after its effects gets PURGE only now: once its row is gone, nothing could carry them out again.
  const erasures = items.filter((item) => item._tag === "erase")
  if (erasures.length > 0)
    await Promise.all(
      erasures.map((item) => io.append({ kind: item.ref.kind, id: item.ref.id, type: "PURGE", payload: {}, cmdId: item.cmdId ?? "" })),
    )
}

/** Appends `sends`: each target's runs up to its first coverage answer, in one call (one a partition in a Redis Cluster:
 * `appendRunsOver`); what follows a coverage answer (its query, then its append) waits for the target's runs before
 * it, and goes one append at a time. */
const appendSends = (io: BatchIo, sends: Sends): Array<Promise<unknown>> => {
  const heads = new Map<number, AppendRun[]>()
  /** `afterHeads`: its target has runs in the head call, which its steps wait for. */
  const tails: Array<{ readonly afterHeads: boolean; readonly steps: ReadonlyArray<SendStep> }> = []
  for (const { to, steps } of sends.values()) {
    const partition = partitionOf(to.kind, to.id, io.partitions)
    let first = 0
    for (; first < steps.length; first += 1) {
      const step = steps[first]!
      if (step._tag !== "run") break
      listAt(heads, partition).push(appendRunOf(step.run))
    }
    if (first < steps.length) tails.push({ afterHeads: first > 0, steps: steps.slice(first) })
  }
  const headCall =
    heads.size === 0
      ? undefined
      : io.scripts.appendRunsOver([...heads].map(([partition, runs]) => ({ p: io.keys.partition(partition), runs })))
  return [
    ...(headCall === undefined ? [] : [headCall]),
    ...tails.map(async ({ afterHeads, steps }) => {
      if (afterHeads) await headCall
      for (const step of steps) await (step._tag === "run" ? appendRun(io, step.run) : appendCoverage(io, step.item))
    }),
  ]
}

/** The list `lists` holds at `key`, an empty one put there first when it holds none. */
const listAt = <K, V>(lists: Map<K, V[]>, key: K): V[] => {
  let list = lists.get(key)
  if (!list) lists.set(key, (list = []))
  return list
}

/** A session's coverage, read from Postgres, appended to it with the command it answers. */
const appendCoverage = async (io: BatchIo, item: CoverageOutput & OutboxItem): Promise<unknown> => {
  const { to, type, payload } = item.reply
  const coverage = await sessionCoverage(io.sql, item.sessionId)
  return io.append({ kind: to.kind, id: to.id, type, payload: { ...payload, ...coverage }, cmdId: item.cmdId ?? "" })
}

/** Sends of one type in a row to one actor, payloads validated (stream form), carried out as one append. */
interface SendRun {
  readonly to: { readonly kind: string; readonly id: string }
  readonly type: string
  readonly parts: Array<{ readonly cmdId: string; readonly payload: string }>
  bytes: number
}

/** A batched entry stays well inside what an entry may hold (MAX_ENTRY_BATCH commands, MAX_ENTRY_PAYLOAD_BYTES). */
const RUN_MAX_PARTS = 500
const RUN_MAX_BYTES = MAX_ENTRY_PAYLOAD_BYTES / 8

/** Only sends with command ids join a run (each is deduplicated on its own). */
const fits = (run: SendRun, part: SendRun["parts"][number]): boolean =>
  part.cmdId !== "" &&
  run.parts[0]?.cmdId !== "" &&
  run.parts.length < RUN_MAX_PARTS &&
  run.bytes + part.payload.length + run.parts.length < RUN_MAX_BYTES

const appendRunOf = (run: SendRun): AppendRun => ({ type: run.type, actor: `${run.to.kind}:${run.to.id}`, parts: run.parts })

/** One run alone (after a coverage answer to its target): one entry, each command deduplicated by its own id. */
const appendRun = (io: BatchIo, run: SendRun): Promise<unknown> => io.scripts.appendRuns(partitionKeys(io, run.to), [appendRunOf(run)])

const partitionKeys = (io: BatchIo, ref: { kind: string; id: string }) => io.keys.partition(partitionOf(ref.kind, ref.id, io.partitions))
