// Carries out a planned batch (invariant 4) in two steps: commit the rows under the partition's
// fence (one statement, committed with the other partitions' batches of this process); then publish
// events, arm timers, append follow-up commands and route, dead-letter and acknowledge. Any failure
// leaves the entries pending for a redelivery.
import type { Redis } from "ioredis"
import type { Keys } from "../redis/keys.ts"
import type { Sql } from "../store/db.ts"
import { partitionOf } from "../redis/partition.ts"
import type { RedisScripts } from "../redis/scripts.ts"
import { eventEntryFields } from "../schema/event-stream.ts"
import type { GroupCommit } from "./group-commit.ts"
import type { AppendFn } from "./append.ts"
import { validateCommand } from "./inbox-codec.ts"
import type { BatchPlan } from "./plan-batch.ts"
import type { OutboxItem } from "./outbox.ts"
import type { GroupReleaseOutput, RouteTaskOutput } from "./actor-kind.ts"
import type { FillRequest, Router } from "./router.ts"
import { sessionCoverage } from "../store/coverage.ts"
import { storedOutbox } from "./stored-outbox.ts"
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
    case "event": {
      const { _tag, entryId, cmdId, ...event } = item
      return eventEntryFields(event)
    }
    case "push":
      return { type: "push", topics: `control:${item.agentId}`, body: JSON.stringify({ id: item.cmdId, ...item.frame }) }
    case "reply": {
      const { _tag, entryId, cmdId, replyTo, ...body } = item
      return { type: "reply", topics: `reply:${replyTo}`, body: JSON.stringify({ ...body, stream_id: entryId }) }
    }
    default:
      return undefined
  }
}

/** The edge a reply address (`<edgeId>:<n>`) belongs to. */
const edgeOf = (replyTo: string): string => replyTo.slice(0, Math.max(0, replyTo.lastIndexOf(":"))) || replyTo

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
    rows: plan.rows.map(({ columns, outbox, ...row }) => ({ ...row, outbox: storedOutbox(row, partition, outbox), ...columns })),
    transitions: plan.transitions,
    purges: plan.purges,
    assumedNew,
  })
  if (written._tag !== "Written") return { _tag: written._tag }
  return { _tag: "Done", writeSeconds: (performance.now() - writing) / 1000 }
}

/** What a committed batch causes: its outbox carried out, its dead letters moved, its entries acknowledged. */
export const finishBatch = async (io: BatchIo, partition: number, plan: BatchPlan): Promise<void> => {
  await carryOut(io, plan.outbox)
  const keys = io.keys.partition(partition)
  for (const { entry, reason } of plan.deadLetters) await io.scripts.deadLetter(keys, entry.id, reason)
  await io.scripts.ack(keys, plan.ackIds)
}

/** Carries out outbox items; every one is idempotent, so doing them twice is harmless. */
const carryOut = async (io: BatchIo, items: ReadonlyArray<OutboxItem>): Promise<void> => {
  // Transitions and pushes go to the event stream every edge reads; an answer goes only to the
  // stream of the edge that waits for it.
  const published = items
    .filter((item) => item._tag !== "reply")
    .map(eventStreamEntry)
    .filter((entry) => entry !== undefined)
  const replies = new Map<string, Record<string, string>[]>()
  for (const item of items) {
    if (item._tag !== "reply") continue
    const stream = io.keys.replies(edgeOf(item.replyTo))
    replies.set(stream, [...(replies.get(stream) ?? []), eventStreamEntry(item)!])
  }
  await Promise.all([
    io.scripts.publish(io.keys.events, published, io.eventRetention),
    ...[...replies].map(async ([stream, entries]) => {
      await io.scripts.publish(stream, entries, REPLIES_KEPT)
      await io.redis.pexpire(stream, REPLIES_TTL_MS)
    }),
  ])

  // Commands to one actor keep their order: one chain per target, chains run side by side. Sends of one
  // type in a row to one actor go as one batched entry (a session's task reports: one entry per batch).
  const chains = new Map<string, Promise<unknown>>()
  const chain = (target: string, step: () => Promise<unknown>) => chains.set(target, (chains.get(target) ?? Promise.resolve()).then(step))
  const runs = new Map<string, SendRun>()
  const close = (target: string) => {
    const run = runs.get(target)
    if (!run) return
    runs.delete(target)
    chain(target, () => appendRun(io, run))
  }
  const queue: RouteTaskOutput[] = []
  const fills: FillRequest[] = []
  const releases: GroupReleaseOutput[] = []
  let routingId: string | undefined
  for (const item of items) {
    switch (item._tag) {
      case "timer_arm": {
        const actor = `${item.ref.kind}:${item.ref.id}`
        const { type, ...event } = item.event
        // The entry the timer appends when it fires carries its payload in stream form, as any other.
        const payload = validateCommand({ kind: item.ref.kind, id: item.ref.id, type, payload: event })
        chain(`timer:${actor}`, () =>
          io.scripts.armTimer(partitionKeys(io, item.ref), { actor, name: item.name, fireAt: item.fireAt, type, payload }),
        )
        break
      }
      case "timer_clear": {
        const actor = `${item.ref.kind}:${item.ref.id}`
        chain(`timer:${actor}`, () => io.scripts.clearTimer(partitionKeys(io, item.ref), actor, item.name))
        break
      }
      case "send": {
        const target = `${item.to.kind}:${item.to.id}`
        const part = {
          cmdId: item.cmdId ?? "",
          payload: validateCommand({ kind: item.to.kind, id: item.to.id, type: item.type, payload: item.payload }),
        }
        const run = runs.get(target)
        if (run && run.type === item.type && fits(run, part)) {
          run.parts.push(part)
          run.bytes += part.payload.length
        } else {
          close(target)
          runs.set(target, { to: item.to, type: item.type, parts: [part], bytes: part.payload.length })
        }
        break
      }
      case "route_task":
        queue.push(item)
        routingId ??= item.cmdId ?? item.entryId
        break
      case "fill_agent":
        fills.push(item)
        routingId ??= item.cmdId ?? item.entryId
        break
      case "coverage": {
        const { to, type, payload } = item.reply
        close(`${to.kind}:${to.id}`)
        chain(`${to.kind}:${to.id}`, async () => {
          const coverage = await sessionCoverage(io.sql, item.sessionId)
          return io.append({ kind: to.kind, id: to.id, type, payload: { ...payload, ...coverage }, cmdId: item.cmdId ?? "" })
        })
        break
      }
      case "group_release":
        releases.push(item)
        routingId ??= item.cmdId ?? item.entryId
        break
      default:
        break
    }
  }
  for (const target of [...runs.keys()]) close(target)
  // The batch's routing in one go: its queries and proposals are per batch, not per item.
  const routing = routingId === undefined ? undefined : io.router.route({ queue, fills, releases }, routingId)
  await Promise.all([...chains.values(), routing])
  // An actor erased after its effects gets PURGE only now: once its row is gone, nothing could carry them out again.
  await Promise.all(
    items.flatMap((item) =>
      item._tag === "erase"
        ? [io.append({ kind: item.ref.kind, id: item.ref.id, type: "PURGE", payload: {}, cmdId: item.cmdId ?? "" })]
        : [],
    ),
  )
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
const RUN_MAX_BYTES = MAX_ENTRY_PAYLOAD_BYTES / 4

/** Only sends with command ids join a run (each is deduplicated on its own). */
const fits = (run: SendRun, part: SendRun["parts"][number]): boolean =>
  part.cmdId !== "" &&
  run.parts[0]?.cmdId !== "" &&
  run.parts.length < RUN_MAX_PARTS &&
  run.bytes + part.payload.length + run.parts.length < RUN_MAX_BYTES

/** One send: an ordinary append; several: one batched entry, each command deduplicated by its own id. */
const appendRun = (io: BatchIo, run: SendRun): Promise<unknown> => {
  const [first] = run.parts
  if (run.parts.length === 1 && first)
    return io.scripts.append(partitionKeys(io, run.to), {
      type: run.type,
      actor: `${run.to.kind}:${run.to.id}`,
      payload: first.payload,
      ...(first.cmdId === "" ? {} : { cmdId: first.cmdId }),
    })
  return io.scripts.appendEach(partitionKeys(io, run.to), { type: run.type, actor: `${run.to.kind}:${run.to.id}`, parts: run.parts })
}

const partitionKeys = (io: BatchIo, ref: { kind: string; id: string }) => io.keys.partition(partitionOf(ref.kind, ref.id, io.partitions))
