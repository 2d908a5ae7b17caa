// The Lua scripts (one per atomic Redis operation, in ./scripts/), called by EVALSHA (EVAL after a
// script cache flush; script-call.ts: nothing is defined on the connection, so a first use is safe on
// a live, auto-pipelining one), behind typed wrappers that each take one partition's keys. Error codes
// returned by scripts map to `ScriptError`.
import type { Redis } from "ioredis"
import { isCluster } from "./client.ts"
import { RUNTIME_GROUP, type PartitionKeys } from "./keys.ts"
import { type ScriptCall, scriptCall } from "./script-call.ts"
import { scriptSource } from "./script-source.ts"
import { streamEntriesOfBytes, type StreamEntry } from "./streams.ts"

/** Error codes the scripts return (negative integers), as BullMQ does. */
export enum ScriptError {
  /** Lease renew/release by a process that is not the current owner with the current token. */
  NotOwner = -1,
  /** Lease acquire while the lease is held and not expired. */
  LeaseHeld = -2,
  /** Dead-lettering an entry that is no longer in the inbox. */
  EntryNotFound = -3,
  /** An append run after its deadline (append.lua): nothing was written. */
  Expired = -4,
}

/** An append reached Redis after its deadline, so it wrote nothing (see AppendCommand.deadline). */
export class AppendExpired extends Error {
  override readonly name = "AppendExpired"
}

export type ScriptResult<T> = { ok: true; value: T } | { ok: false; error: ScriptError }

export interface AppendCommand {
  type: string
  /** `kind:id` */
  actor: string
  /** JSON text */
  payload: string
  /** The client's command id: a second append with the same id writes nothing. */
  cmdId?: string
  /** Extra entry fields, e.g. `{ replyTo }`. */
  fields?: Readonly<Record<string, string>>
  /** ms since the epoch on Redis's clock (src/redis/clock.ts): run after it, the append writes nothing and
   * answers AppendExpired for it. Absent: no deadline. */
  deadline?: number
}

/** A command of `appendAll`, with the keys of its partition. */
export interface PartitionCommand {
  readonly p: PartitionKeys
  readonly command: AppendCommand
}

export interface Appended {
  id: string
  /** True when `cmdId` was appended before; `id` is then that first entry's id. */
  duplicate: boolean
}

/** One run of `appendRuns`: commands of one type to one actor, each with its command id ("" only in a run of one:
 * not deduplicated). */
export interface AppendRun {
  type: string
  /** `kind:id` */
  actor: string
  parts: ReadonlyArray<{ readonly cmdId: string /** JSON text */; readonly payload: string }>
}

/** The longest prefix the runs' command ids share (those not "", which are not deduplicated), shorter than each, so
 * that what follows it is never "": append-runs.lua takes it once (a batch's derived ids share `<partition>/<time>`). */
export const sharedPrefix = (runs: ReadonlyArray<AppendRun>): string => {
  let prefix: string | undefined
  for (const { parts } of runs)
    for (const { cmdId } of parts) {
      if (cmdId === "") continue
      if (prefix === undefined) prefix = cmdId.slice(0, -1)
      let n = 0
      while (n < prefix.length && n < cmdId.length - 1 && prefix.charCodeAt(n) === cmdId.charCodeAt(n)) n += 1
      if (n < prefix.length) prefix = prefix.slice(0, n)
      if (prefix === "") return prefix
    }
  return prefix ?? ""
}

/** The runs `appendRunsOver` appends to one partition. */
export interface RunsOf {
  readonly p: PartitionKeys
  readonly runs: ReadonlyArray<AppendRun>
}

/** What `appendRuns` answers for one run. */
export interface AppendedRun {
  /** The new entry's id, or (when every command was appended before) the first one's entry id. */
  id: string
  /** How many of the commands this append wrote (0: all were appended before). */
  appended: number
}

export interface TimerSpec {
  /** `kind:id` */
  actor: string
  name: string
  /** ms since the epoch */
  fireAt: number
  /** The event type to append when it fires. */
  type: string
  /** The event's payload (JSON text). */
  payload: string
}

/** One operation of `applyTimers`: arm a timer (replacing one of the same name), or clear one. */
export type TimerOp =
  | ({ readonly op: "arm" } & Readonly<TimerSpec>)
  | { readonly op: "clear"; readonly actor: string; readonly name: string }

export interface FiredTimers {
  readonly moved: number
  /** ms since the epoch */
  readonly nextDue: number | null
}

export interface RedisScripts {
  /** How long an appended cmdId is remembered (ms): a routing decision kept for a repeat of its command lasts as long. */
  readonly dedupeTtlMs: number
  /** Commands to the inboxes of one or several partitions, each its own entry, in ONE call on a single Redis (one a
   * partition in a Redis Cluster, started at once): each command's outcome in the order given, an AppendExpired for
   * one whose deadline had passed (nothing written for it). */
  appendAll(commands: ReadonlyArray<PartitionCommand>): Promise<Array<Appended | AppendExpired>>
  /** Arms (replacing a timer of the same name) and clears the partition's timers in one call, in the order given
   * (an arm then a clear of one timer ends cleared, and the other way round); how many operations were applied. */
  applyTimers(p: PartitionKeys, ops: ReadonlyArray<TimerOp>): Promise<number>
  /** Appends runs to actors of the partition in one call, in the order given: each run's commands not appended
   * before as one entry (one command: an ordinary entry; each command deduplicated by its own id); each run's
   * answer, in order. */
  appendRuns(p: PartitionKeys, runs: ReadonlyArray<AppendRun>): Promise<AppendedRun[]>
  /** `appendRuns` to several partitions at once: ONE call on a single Redis (one script over their inboxes, each
   * partition's runs in their order), one call a partition in a Redis Cluster (a script stays within one slot); each
   * group's answers, in the order given. */
  appendRunsOver(groups: ReadonlyArray<RunsOf>): Promise<AppendedRun[][]>
  /** Moves up to `max` timers due at or before `nowMs` into the inbox; returns how many, and when
   * the earliest timer still armed is due (null when none is). */
  fireTimers(p: PartitionKeys, nowMs: number, max: number): Promise<FiredTimers>
  /** Pushes `actor`'s armed timer `name` back to `windowMs` after Redis's time (never earlier than it is due); false,
   * doing nothing, when no such timer is armed. */
  extendTimer(p: PartitionKeys, actor: string, name: string, windowMs: number): Promise<boolean>
  /** An HTTP heartbeat of agent `agentId` that repeats its recorded one (each member reported equal to the recorded
   * one, its expiry timer `timer` armed): the expiry pushed back, the recorded heartbeat's entry id; else undefined,
   * nothing written (heartbeat-repeat.lua). */
  repeatHeartbeat(p: PartitionKeys, agentId: string, timer: string, report: HeartbeatReport): Promise<string | undefined>
  /** Records agent `agentId`'s appended HTTP heartbeat (entry `entryId`) for `periodMs`, with the expiry window its
   * repeats push the timer back by (heartbeat-record.lua). */
  recordHeartbeat(p: PartitionKeys, agentId: string, report: HeartbeatReport, record: HeartbeatRecord): Promise<void>
  /** The new fencing token, or LeaseHeld. */
  acquireLease(p: PartitionKeys, owner: string, ttlMs: number): Promise<ScriptResult<number>>
  renewLease(p: PartitionKeys, owner: string, token: number, ttlMs: number): Promise<ScriptResult<void>>
  releaseLease(p: PartitionKeys, owner: string, token: number): Promise<ScriptResult<void>>
  /** Moves inbox entries to the dead-letter stream and acknowledges them in the `runtime` group, in one call, in
   * order; each one's dead-letter entry id, or EntryNotFound (the id is acknowledged all the same). */
  deadLetters(p: PartitionKeys, entries: ReadonlyArray<{ readonly id: string; readonly reason: string }>): Promise<ScriptResult<string>[]>
  /** New inbox entries for the lease holder `owner` (its consumer name) with `token`; NotOwner once the lease is gone. */
  readInbox(p: PartitionKeys, owner: string, token: number, count: number): Promise<ScriptResult<StreamEntry[]>>
  /** Appends a dead letter's original fields to the inbox again and removes it; the new entry id, or EntryNotFound.
   * Rejects with AppendExpired, having done nothing, when run after `deadline` (as AppendCommand.deadline; 0: none). */
  replayDeadLetter(p: PartitionKeys, deadId: string, deadline?: number): Promise<ScriptResult<string>>
  /** One batch's routing in one call (route-batch.lua): releases `batch.releases`, fills, queues `batch.tasks`, wakes
   * idle agents; the offers made, the fills' and the wakes' apart, each in the order taken. */
  routeBatch(route: string, batch: RouteBatch): Promise<RoutedBatch>
  /** Standalone tasks given straight at their intake (intake-give.lua): each task, in order, given to the best idle
   * agent of its capability whose free slots the router keeps exactly, when no task waits for that capability; the
   * gifts made (the others are created ready, as before). */
  giveAtIntake(route: string, tasks: ReadonlyArray<IntakeTask>): Promise<IntakeGift[]>
  /** Of `gifts` (their CREATEs appended), those whose agent's loss resolved the given slot before the CREATE was
   * appended (intake-lost.lua), with the loss's reason: each task then needs the AGENT_LOST it refused as missing. */
  lostAtIntake(route: string, gifts: ReadonlyArray<IntakeGift>): Promise<IntakeLoss[]>
  /** Appends `entries` (field → value each) to `stream`, trimmed to about `maxLenApprox` entries, and, given `ttlMs`
   * (a reply stream), sets the stream to expire that long after (PEXPIRE), in one command; their stream ids in order. */
  publish(stream: string, entries: ReadonlyArray<Readonly<Record<string, string>>>, maxLenApprox: number, ttlMs?: number): Promise<string[]>
  /** Acknowledges `ids` in the `runtime` group and deletes them from the inbox; how many were pending. */
  ack(p: PartitionKeys, ids: ReadonlyArray<string>): Promise<number>
  /** Takes `owed` bytes already let through and, when that many are left, `asked` more from the byte budget at `key`; true when `asked` was taken (or was 0). */
  takeBytes(key: string, budget: ByteBudget, owed: number, asked: number, nowMs: number): Promise<boolean>
}

/** A byte budget: refilled at `perSecond` bytes a second, holding at most `burst`. */
export interface ByteBudget {
  readonly perSecond: number
  readonly burst: number
}

/** A ready task as its capability's queue holds it. */
export interface ReadyTask {
  readonly capability: string
  /** Its group; null: the default group (never capped). */
  readonly group: string | null
  readonly taskId: string
  readonly priority: number
  /** When it became ready (ms since the epoch). */
  readonly since: number
}

/** A standalone task about to be created: what its gift at intake looks at. */
export interface IntakeTask {
  readonly capability: string
  readonly taskId: string
}

/** A task given at its intake, and the agent it was given to. */
export interface IntakeGift {
  readonly taskId: string
  readonly agentId: string
}

/** A task given at its intake to an agent lost before the task's CREATE was appended. */
export interface IntakeLoss extends IntakeGift {
  readonly reason: string
}

/** One batch's routing (route-batch.lua). */
export interface RouteBatch {
  /** Agents leaving work (a loss, a drain): no slot of theirs is transferred after this call, and each of their
   * slots is answered with the task holding it now; absent: none. */
  readonly leaving?: ReadonlyArray<LeavingAgent>
  /** Proposals their agents refused (RESERVE answered `agent.reserve_refused`): each stops counting against its agent's
   * free slots at once (before the fills), not only after the hold; absent: none. */
  readonly refusals?: ReadonlyArray<Refusal>
  /** Tasks no longer held: their group's slots are free again. */
  readonly releases: ReadonlyArray<{ readonly group: string; readonly taskId: string }>
  /** Tasks that free their agent's slot, each settled once (after the releases, before the fills): transferred to a
   * ready task or given back to the agent (`Settled`); absent: none. */
  readonly settles?: ReadonlyArray<SlotRelease>
  /** Agents with free slots, which take first; `units`: the routing score × 10,000 (src/redis/idle-agents.ts
   * `scoreUnits`); `transfers`: its slots may be transferred without it (its breaker closed). */
  readonly fills: ReadonlyArray<{
    readonly agentId: string
    readonly capabilities: ReadonlyArray<string>
    readonly free: number
    readonly units: number
    readonly transfers: boolean
    /** The slots it holds as its machine counts them (`inflight`): given with `transfers`, its free slots are kept
     * exactly and its wakes give them straight to tasks (`gives`); absent: its wakes propose (RESERVE). */
    readonly held?: ReadonlyArray<string>
    /** The agent's inbox entry whose state the fill asks from: a fill from an older state than the last one carried
     * out is stale and does nothing; absent: never stale. */
    readonly entryId?: string
  }>
  /** Ready tasks to queue; their capabilities' idle agents are woken. `key`: the command id a task given straight to an
   * agent keeps that decision under (a repeat gives it again, to the same agent). */
  readonly tasks: ReadonlyArray<ReadyTask & { readonly key?: string }>
  /** The command id the gives of tasks without a `key` derive theirs from. */
  readonly routing?: string
  /** The sweep's repairs: a task noted as taken is not queued again. */
  readonly unlessTaken: boolean
  /** Idle agents woken per capability, at most. */
  readonly wakeAgents: number
  /** How long a proposal (RESERVE) counts against its agent's free slots while the agent's fills do not name it (ms). */
  readonly holdMs: number
  /** How long a decision (a settle, a leaving agent's slots) is kept for a repeat of its command (ms; default: the
   * scripts' dedupe window, as long as the commands it causes are deduplicated). */
  readonly decisionMs?: number
}

/** An agent leaving work, its slots (the agent machine's `inflight`) to resolve; `cmdId` keeps the answer. */
export interface LeavingAgent {
  readonly cmdId: string
  readonly agentId: string
  readonly slots: ReadonlyArray<string>
  /** Its capabilities, for which it is idle no more (with those of its last fill with free slots and a closed breaker). */
  readonly capabilities?: ReadonlyArray<string>
  /** A loss: its slots are forgotten after they are resolved. */
  readonly lost: boolean
  /** A loss's reason (its AGENT_LOST's), kept on the given slots it resolves (`heartbeat_expired` when absent). */
  readonly lossReason?: string
}

/** A task proposed to an agent (RESERVE) that the agent refused. */
export interface Refusal {
  readonly agentId: string
  readonly taskId: string
  /** When the refused RESERVE was appended (ms, its entry id's time): a proposal of the task recorded after it is a
   * newer one (the task proposed to the agent again, a redelivered refusal carried out again), kept. */
  readonly reserveAt: number
}

/** A task that frees its agent's slot, with how it ended; `cmdId` keeps the decision, `replayed`: a redelivered
 * entry's (nothing new is decided for it). */
export interface SlotRelease {
  readonly cmdId: string
  readonly agentId: string
  readonly taskId: string
  readonly outcome: string
  readonly replayed: boolean
}

/** How a freed slot was settled: transferred to `next` (ASSIGN to it, nothing to the agent), or released to the
 * agent (RELEASE of `slot`, with the successes transferred since its last RELEASE, and `next` as its next task). */
export interface Settled {
  readonly transfer: boolean
  /** The slot the task held: the task it was reserved for. */
  readonly slot: string
  readonly successesBefore: number
  readonly next: ReadyTask | undefined
  /** Released: the slot was given straight (a wake), told by a GIVEN, which may reach the agent after this RELEASE. */
  readonly told: boolean
}

/** A task given straight to an agent's free slot (a wake): ASSIGN to it under `cmdId`, GIVEN to the agent in the tell
 * named `tell` (one GIVEN per tell: the gives of one routing call to one agent, named after the first; a give kept for
 * a repeat keeps its tell, so the repeat tells it under the same id). */
export interface Give {
  readonly agentId: string
  readonly taskId: string
  readonly cmdId: string
  readonly tell: string
}

/** A task taken for an agent, to be proposed to it. */
export interface RouteOffer {
  readonly agentId: string
  readonly taskId: string
}

export interface RoutedBatch {
  /** Taken by the fills' agents. */
  readonly fills: RouteOffer[]
  /** Taken by idle agents woken. */
  readonly wakes: RouteOffer[]
  /** Per settle, in order. */
  readonly settles: Settled[]
  /** Per leaving agent, in order: the tasks holding its slots. */
  readonly leaving: string[][]
  /** Tasks given straight to agents woken (their free slots kept exactly): ASSIGN each, GIVEN to each agent. */
  readonly gives: Give[]
}

const settledOf = (flat: ReadonlyArray<string | number>): Settled[] => {
  const settles: Settled[] = []
  for (let i = 0; i + 8 < flat.length; i += 9) {
    const taskId = String(flat[i + 3])
    settles.push({
      transfer: flat[i] === "transfer",
      slot: String(flat[i + 1]),
      successesBefore: Number(flat[i + 2]),
      next:
        taskId === ""
          ? undefined
          : {
              taskId,
              capability: String(flat[i + 4]),
              group: flat[i + 5] === "" ? null : String(flat[i + 5]),
              priority: Number(flat[i + 6]),
              since: Number(flat[i + 7]),
            },
      told: Number(flat[i + 8]) === 1,
    })
  }
  return settles
}

const givesOf = (flat: ReadonlyArray<string>): Give[] => {
  const gives: Give[] = []
  for (let i = 0; i + 3 < flat.length; i += 4)
    gives.push({ agentId: flat[i] as string, taskId: flat[i + 1] as string, cmdId: flat[i + 2] as string, tell: flat[i + 3] as string })
  return gives
}

const offersOf = (flat: ReadonlyArray<string>): RouteOffer[] => {
  const offers: RouteOffer[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) offers.push({ agentId: flat[i] as string, taskId: flat[i + 1] as string })
  return offers
}

/** What a heartbeat reports (a member absent: unchanged). */
export interface HeartbeatReport {
  readonly load?: number
  readonly status?: string
}

/** An appended heartbeat's record: its entry, the expiry window its repeats push the timer back by, how long it lasts. */
export interface HeartbeatRecord {
  readonly entryId: string
  readonly windowMs: number
  readonly periodMs: number
}

export interface ScriptOptions {
  /** How long an appended cmdId is remembered (ms; `CLAWBOT_DEDUPE_WINDOW_S`, default 120 s): longer
   * than any redelivery (a lease TTL plus a takeover) and a bot's resend of an unacked frame. */
  dedupeTtlMs?: number
}

const KEY_COUNTS = {
  // Two a partition: called with their own count (appendCall, appendRunsCall).
  append: 2,
  "append-runs": 2,
  "timers-apply": 2,
  "timers-fire": 3,
  "timer-extend": 1,
  "heartbeat-repeat": 2,
  "heartbeat-record": 1,
  "lease-acquire": 2,
  "lease-renew": 1,
  "lease-release": 1,
  "dead-letters": 2,
  "dead-letter-replay": 2,
  "inbox-read": 2,
  // The routing scripts name only their base key (`{prefix:route}`): every key they touch shares its hash tag.
  "route-batch": 1,
  "intake-give": 1,
  "intake-lost": 1,
  "byte-budget": 1,
  "events-publish": 1,
  "inbox-ack": 1,
} as const

type ScriptName = keyof typeof KEY_COUNTS
const SCRIPT_NAMES = Object.keys(KEY_COUNTS) as ScriptName[]
type Invoke = (...args: (string | number)[]) => Promise<unknown>

const calls = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, scriptCall(scriptSource(name))])) as Record<ScriptName, ScriptCall>

/** Script `name` on `redis`; `bytes` takes its answer's strings as Buffers. */
const define =
  (redis: Redis, name: ScriptName, bytes = false): Invoke =>
  (...args) =>
    calls[name](redis, KEY_COUNTS[name], args, bytes)

const toResult = <T>(reply: unknown, value: (reply: unknown) => T): ScriptResult<T> => {
  if (typeof reply === "number" && reply < 0) {
    if (!(reply in ScriptError)) throw new Error(`unknown script error code ${reply}`)
    return { ok: false, error: reply as ScriptError }
  }
  return { ok: true, value: value(reply) }
}

const timerMember = (actor: string, name: string): string => `${actor}:${name}`

/** A heartbeat's load and status as the heartbeat scripts take them ("": not reported). */
const reported = (report: HeartbeatReport): [string, string] => [report.load === undefined ? "" : String(report.load), report.status ?? ""]

/** What a timer appends when it fires; the member names the actor when the name has no ":" (timers-fire.lua
 * reads it from there), else the actor is stored with it. */
const timerEntry = ({ actor, name, type, payload }: TimerSpec): string =>
  JSON.stringify({ type, payload, ...(name.includes(":") ? { actor } : {}) })

/** The typed wrappers of the scripts on `redis`. */
export const createScripts = (redis: Redis, options: ScriptOptions = {}): RedisScripts => {
  const dedupeTtlMs = options.dedupeTtlMs ?? 120_000
  const run = Object.fromEntries(SCRIPT_NAMES.map((name) => [name, define(redis, name)])) as Record<ScriptName, Invoke>
  /** One append-runs.lua call over `groups` (their partitions' keys, two each, in order). */
  const appendRunsCall = async (groups: ReadonlyArray<RunsOf>): Promise<AppendedRun[][]> => {
    const live = groups.filter((group) => group.runs.length > 0)
    if (live.length === 0) return groups.map(() => [])
    const prefix = sharedPrefix(live.flatMap((group) => group.runs))
    const keys: string[] = []
    const args: (string | number)[] = [dedupeTtlMs, prefix]
    // A type or payload the one before has, "" (append-runs.lua takes the previous): a sweep's sends say theirs once.
    let [type, payload] = ["", ""]
    for (const { p, runs } of live) {
      keys.push(p.inbox, p.dedupe(""))
      args.push(runs.length)
      for (const run of runs) {
        args.push(run.type === type ? "" : run.type, run.actor, run.parts.length)
        type = run.type
        for (const part of run.parts) {
          args.push(part.cmdId === "" ? "" : part.cmdId.slice(prefix.length), part.payload === payload ? "" : part.payload)
          payload = part.payload
        }
      }
    }
    const reply = (await calls["append-runs"](redis, keys.length, [...keys, ...args])) as Array<string | number>
    let n = 0
    return groups.map(({ runs }) =>
      runs.map(() => {
        const answered = { id: String(reply[2 * n]), appended: Number(reply[2 * n + 1]) }
        n += 1
        return answered
      }),
    )
  }
  /** One append.lua call over `commands` (their partitions' keys, two each, in the order first named). */
  const appendCall = async (commands: ReadonlyArray<PartitionCommand>): Promise<Array<Appended | AppendExpired>> => {
    const keys: string[] = []
    const places = new Map<string, number>()
    const args: (string | number)[] = [dedupeTtlMs]
    for (const { p, command } of commands) {
      let place = places.get(p.inbox)
      if (place === undefined) {
        keys.push(p.inbox, p.dedupe(""))
        place = keys.length / 2
        places.set(p.inbox, place)
      }
      const extra = command.fields === undefined ? [] : Object.entries(command.fields)
      args.push(place, command.type, command.actor, command.payload, command.cmdId ?? "", command.deadline ?? 0, extra.length)
      for (const [name, value] of extra) args.push(name, value)
    }
    const reply = (await calls.append(redis, keys.length, [...keys, ...args])) as Array<string | number>
    return commands.map(({ command }, n) =>
      reply[2 * n] === ScriptError.Expired
        ? new AppendExpired(`the append's deadline ${command.deadline} had passed on Redis's clock`)
        : { id: String(reply[2 * n]), duplicate: reply[2 * n + 1] === 1 },
    )
  }
  /** `appendCall` in a Redis Cluster: one call a partition, all started at once, answers put back in order. */
  const appendByPartition = async (commands: ReadonlyArray<PartitionCommand>): Promise<Array<Appended | AppendExpired>> => {
    const groups = new Map<string, number[]>()
    commands.forEach(({ p }, at) => {
      const group = groups.get(p.inbox)
      if (group === undefined) groups.set(p.inbox, [at])
      else group.push(at)
    })
    const answers: Array<Appended | AppendExpired> = new Array(commands.length)
    await Promise.all(
      [...groups.values()].map(async (at) => {
        const answered = await appendCall(at.map((index) => commands[index]!))
        at.forEach((index, n) => (answers[index] = answered[n]!))
      }),
    )
    return answers
  }
  // Inbox entries are read as bytes, so a raw entry that is not UTF-8 is seen as such (see streamEntriesOfBytes).
  const readInboxBytes = define(redis, "inbox-read", true)

  return {
    dedupeTtlMs,
    appendAll: (commands) =>
      commands.length === 0
        ? Promise.resolve([])
        : isCluster(redis) && commands.length > 1
          ? appendByPartition(commands)
          : appendCall(commands),
    applyTimers: async (p, ops) => {
      if (ops.length === 0) return 0
      const args = ops.flatMap((timer) =>
        timer.op === "arm"
          ? ["a", timerMember(timer.actor, timer.name), timer.fireAt, timerEntry(timer)]
          : ["c", timerMember(timer.actor, timer.name)],
      )
      return Number(await run["timers-apply"](p.timers, p.timerData, ...args))
    },
    appendRuns: async (p, runs) => (await appendRunsCall([{ p, runs }]))[0]!,
    appendRunsOver: (groups) =>
      isCluster(redis) && groups.length > 1
        ? Promise.all(groups.map(async (group) => (await appendRunsCall([group]))[0]!))
        : appendRunsCall(groups),
    fireTimers: async (p, nowMs, max) => {
      const [moved, next] = (await run["timers-fire"](p.timers, p.timerData, p.inbox, nowMs, max)) as [number, string | number]
      const nextDue = Number(next)
      return { moved, nextDue: nextDue < 0 ? null : nextDue }
    },
    extendTimer: async (p, actor, name, windowMs) => Number(await run["timer-extend"](p.timers, timerMember(actor, name), windowMs)) === 1,
    repeatHeartbeat: async (p, agentId, timer, report) => {
      const entry = await run["heartbeat-repeat"](
        p.timers,
        p.heartbeat(agentId),
        timerMember(`agent:${agentId}`, timer),
        ...reported(report),
      )
      return typeof entry === "string" ? entry : undefined
    },
    recordHeartbeat: async (p, agentId, report, record) => {
      await run["heartbeat-record"](p.heartbeat(agentId), ...reported(report), record.windowMs, record.entryId, record.periodMs)
    },
    acquireLease: async (p, owner, ttlMs) => toResult(await run["lease-acquire"](p.lease, p.fence, owner, ttlMs), Number),
    renewLease: async (p, owner, token, ttlMs) => toResult(await run["lease-renew"](p.lease, owner, token, ttlMs), () => undefined),
    releaseLease: async (p, owner, token) => toResult(await run["lease-release"](p.lease, owner, token), () => undefined),
    deadLetters: async (p, entries) => {
      if (entries.length === 0) return []
      const args = entries.flatMap(({ id, reason }) => [id, reason])
      const reply = (await run["dead-letters"](p.inbox, p.dead, RUNTIME_GROUP, ...args)) as unknown[]
      return reply.map((one) => toResult(one, String))
    },
    readInbox: async (p, owner, token, count) =>
      toResult(await readInboxBytes(p.lease, p.inbox, owner, token, RUNTIME_GROUP, count), streamEntriesOfBytes),
    replayDeadLetter: async (p, deadId, deadline = 0) => {
      const reply = await run["dead-letter-replay"](p.inbox, p.dead, deadId, deadline)
      if (reply === ScriptError.Expired) throw new AppendExpired(`the replay's deadline ${deadline} had passed on Redis's clock`)
      return toResult(reply, String)
    },
    routeBatch: async (
      route,
      {
        leaving = [],
        refusals = [],
        releases,
        settles = [],
        fills,
        tasks,
        unlessTaken,
        wakeAgents,
        holdMs,
        decisionMs = dedupeTtlMs,
        routing = "route",
      },
    ) => {
      const nothing = leaving.length + refusals.length + releases.length + settles.length + fills.length + tasks.length === 0
      if (nothing) return { fills: [], wakes: [], settles: [], leaving: [], gives: [] }
      const [filled, woken, settled, left, given] = (await run["route-batch"](
        route,
        unlessTaken ? "unless_taken" : "always",
        wakeAgents,
        decisionMs,
        routing,
        holdMs,
        leaving.length,
        ...leaving.flatMap(({ cmdId, agentId, lost, lossReason, slots, capabilities = [] }) => [
          cmdId,
          agentId,
          lost ? (lossReason ?? "heartbeat_expired") : "",
          slots.length,
          ...slots,
          capabilities.length,
          ...capabilities,
        ]),
        refusals.length,
        ...refusals.flatMap((refusal) => [refusal.agentId, refusal.taskId, refusal.reserveAt]),
        releases.length,
        ...releases.flatMap((slot) => [slot.group, slot.taskId]),
        settles.length,
        ...settles.flatMap((settle) => [settle.cmdId, settle.agentId, settle.taskId, settle.outcome, settle.replayed ? 1 : 0]),
        fills.length,
        ...fills.flatMap((fill) => [
          fill.agentId,
          fill.free,
          fill.units,
          fill.transfers ? 1 : 0,
          fill.entryId ?? "",
          ...(fill.held === undefined ? [-1] : [fill.held.length, ...fill.held]),
          fill.capabilities.length,
          ...fill.capabilities,
        ]),
        tasks.length,
        ...tasks.flatMap((task) => [task.capability, task.group ?? "", task.taskId, task.priority, task.since, task.key ?? ""]),
      )) as [string[], string[], Array<string | number>, string[][], string[]]
      return { fills: offersOf(filled), wakes: offersOf(woken), settles: settledOf(settled), leaving: left, gives: givesOf(given) }
    },
    giveAtIntake: async (route, tasks) => {
      if (tasks.length === 0) return []
      const flat = (await run["intake-give"](route, ...tasks.flatMap((task) => [task.capability, task.taskId]))) as string[]
      const gifts: IntakeGift[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) gifts.push({ taskId: flat[i]!, agentId: flat[i + 1]! })
      return gifts
    },
    lostAtIntake: async (route, gifts) => {
      if (gifts.length === 0) return []
      const flat = (await run["intake-lost"](route, ...gifts.flatMap((gift) => [gift.agentId, gift.taskId]))) as string[]
      const losses: IntakeLoss[] = []
      for (let i = 0; i + 2 < flat.length; i += 3) losses.push({ taskId: flat[i]!, agentId: flat[i + 1]!, reason: flat[i + 2]! })
      return losses
    },
    publish: async (stream, entries, maxLenApprox, ttlMs = 0) => {
      if (entries.length === 0) return []
      const args = entries.flatMap((fields) => {
        const pairs = Object.entries(fields)
        return [pairs.length, ...pairs.flat()]
      })
      return (await run["events-publish"](stream, maxLenApprox, ttlMs, ...args)) as string[]
    },
    ack: async (p, ids) => (ids.length === 0 ? 0 : Number(await run["inbox-ack"](p.inbox, RUNTIME_GROUP, ...ids))),
    takeBytes: async (key, budget, owed, asked, nowMs) =>
      (await run["byte-budget"](key, owed, asked, budget.perSecond, budget.burst, Math.floor(nowMs))) === 1,
  }
}

const defined = new WeakMap<Redis, RedisScripts>()

/** The scripts on `redis`, their wrappers made once per connection (for callers that hold only the connection). */
export const scriptsOn = (redis: Redis): RedisScripts => {
  let scripts = defined.get(redis)
  if (!scripts) {
    scripts = createScripts(redis)
    defined.set(redis, scripts)
  }
  return scripts
}
