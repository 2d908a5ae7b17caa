// The one way in (invariant 2): validates a command with its Schema and appends it, payload in its
// snake_case stream form, to the inbox of its actor's partition, idempotently when it carries a command id,
// and not at all once its deadline (if it has one) has passed on Redis's clock. The commands a process appends
// in one turn of the event loop (a batch's tasks, the frames of many bots read together) go in one call, each its
// own entry (append.lua; one a partition in a Redis Cluster). Commands sent together as runs (the router's
// proposals) go the same way, all partitions in one call (`createAppendEach`).
import type { Keys } from "../redis/keys.ts"
import { partitionOf } from "../redis/partition.ts"
import { AppendExpired, type AppendRun, type PartitionCommand, type RedisScripts } from "../redis/scripts.ts"

export interface AppendInput {
  readonly kind: string
  readonly id: string
  readonly type: string
  /** camelCase, as the machines use it; appended in snake_case. */
  readonly payload: Readonly<Record<string, unknown>>
  /** Same id twice: appended once (bot frame ids, derived follow-up ids). */
  readonly cmdId?: string
  /** Where the runtime sends its answer (see ReplyItem). */
  readonly replyTo?: string
  /** `rejected`: only a refusal is answered at `replyTo` (a bot's frame, acked at its append); absent: every outcome. */
  readonly replyWhen?: "rejected"
  /** Who caused it, recorded as the transition's `by` (`operator`). */
  readonly by?: string
  /** Asked once the command is validated, just before it is sent: its deadline, in ms since the epoch on
   * Redis's clock. Run after it, the append writes nothing and rejects with AppendExpired
   * (src/redis/scripts.ts). The edge sets it on commands it answers a client about. */
  readonly deadline?: () => number
}

export interface Appended {
  readonly partition: number
  readonly streamId: string
  readonly duplicate: boolean
}

export type AppendFn = (command: AppendInput) => Promise<Appended>

/**
 * The command's payload as the stream carries it (snake_case JSON text); throws the caller-facing
 * error when the command is not valid for its actor kind.
 */
export type ValidateCommand = (command: AppendInput) => string

/** The most commands, and about the most payload bytes, one call carries: more waiting go in further calls. */
const CALL_MAX_COMMANDS = 1_000
const CALL_MAX_BYTES = 4 * 1024 * 1024

/** A command waiting for its call, and its caller's answer. */
interface Waiting extends PartitionCommand {
  readonly partition: number
  readonly deadline: (() => number) | undefined
  readonly resolve: (appended: Appended) => void
  readonly reject: (error: unknown) => void
}

export const createAppend = (options: {
  readonly scripts: RedisScripts
  readonly keys: Keys
  readonly partitions: number
  readonly validate: ValidateCommand
}): AppendFn => {
  let waiting: Waiting[] = []
  let bytes = 0
  let scheduled = false
  /** Sends what waits, in one call: each deadline asked for now, just before it is sent. */
  const flush = () => {
    scheduled = false
    if (waiting.length === 0) return
    const asked = waiting
    waiting = []
    bytes = 0
    // A deadline that cannot be fixed (no estimate of Redis's clock) fails its own command; the others are sent.
    const sending: Waiting[] = []
    const commands: PartitionCommand[] = []
    for (const one of asked) {
      try {
        commands.push({ p: one.p, command: one.deadline === undefined ? one.command : { ...one.command, deadline: one.deadline() } })
        sending.push(one)
      } catch (error) {
        one.reject(error)
      }
    }
    if (sending.length === 0) return
    options.scripts.appendAll(commands).then(
      (answers) =>
        answers.forEach((answer, n) => {
          const { partition, resolve, reject } = sending[n]!
          if (answer instanceof AppendExpired) reject(answer)
          else resolve({ partition, streamId: answer.id, duplicate: answer.duplicate })
        }),
      (error: unknown) => {
        for (const { reject } of sending) reject(error)
      },
    )
  }
  return (command) => {
    const { by, deadline, ...validated } = command
    let payload: string
    try {
      payload = options.validate(validated)
    } catch (error) {
      return Promise.reject(error)
    }
    const partition = partitionOf(command.kind, command.id, options.partitions)
    const fields: Record<string, string> = {}
    if (command.replyTo) fields["replyTo"] = command.replyTo
    if (command.replyWhen) fields["replyWhen"] = command.replyWhen
    if (by) fields["by"] = by
    const appendCommand = { type: command.type, actor: `${command.kind}:${command.id}`, payload, cmdId: command.cmdId ?? "", fields }
    return new Promise<Appended>((resolve, reject) => {
      waiting.push({ p: options.keys.partition(partition), command: appendCommand, partition, deadline, resolve, reject })
      bytes += payload.length
      if (waiting.length >= CALL_MAX_COMMANDS || bytes >= CALL_MAX_BYTES) flush()
      else if (!scheduled) {
        scheduled = true
        // After the other callbacks of this turn (every socket read together, a batch's commands): one call for them.
        setImmediate(flush)
      }
    })
  }
}

/** A command of `AppendEachFn`: no reply address, author or deadline. */
export type EachCommand = Omit<AppendInput, "replyTo" | "replyWhen" | "by" | "deadline">

/**
 * Commands sent together, each one entry as `AppendFn` writes it (deduplicated by its command id, against the
 * same markers): grouped by partition, in one append-runs.lua call (one a partition, all started at once, in a Redis
 * Cluster: `appendRunsOver`). Every command is validated before any call starts (one that fails its Schema throws,
 * nothing is appended); each command's answer, in the order given, settles with its partition's call.
 */
export type AppendEachFn = (commands: ReadonlyArray<EachCommand>) => Array<Promise<Appended>>

export const createAppendEach =
  (options: {
    readonly scripts: RedisScripts
    readonly keys: Keys
    readonly partitions: number
    readonly validate: ValidateCommand
  }): AppendEachFn =>
  (commands) => {
    const byPartition = new Map<number, { readonly runs: AppendRun[]; readonly at: number[] }>()
    commands.forEach((command, at) => {
      const payload = options.validate(command)
      const partition = partitionOf(command.kind, command.id, options.partitions)
      let group = byPartition.get(partition)
      if (!group) byPartition.set(partition, (group = { runs: [], at: [] }))
      // A run of one: its own entry, an ordinary one.
      group.runs.push({ type: command.type, actor: `${command.kind}:${command.id}`, parts: [{ cmdId: command.cmdId ?? "", payload }] })
      group.at.push(at)
    })
    const answers: Array<Promise<Appended>> = []
    if (byPartition.size === 0) return answers
    const groups = [...byPartition]
    const call = options.scripts.appendRunsOver(groups.map(([partition, { runs }]) => ({ p: options.keys.partition(partition), runs })))
    groups.forEach(([partition, { at }], group) => {
      at.forEach((index, n) => {
        answers[index] = call.then((answered) => {
          const one = answered[group]![n]!
          return { partition, streamId: one.id, duplicate: one.appended === 0 }
        })
      })
    })
    return answers
  }
