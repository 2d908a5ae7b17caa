// The one way in (invariant 2): validates a command with its Schema and appends it, payload in its
// snake_case stream form, to the inbox of its actor's partition, idempotently when it carries a command id,
// and not at all once its deadline (if it has one) has passed on Redis's clock. Commands sent together
// (the router's proposals) go the same way, all partitions in one call (one a partition in a Redis Cluster:
// `createAppendEach`).
import type { Keys } from "../redis/keys.ts"
import { partitionOf } from "../redis/partition.ts"
import type { AppendRun, RedisScripts } from "../redis/scripts.ts"

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

export const createAppend =
  (options: {
    readonly scripts: RedisScripts
    readonly keys: Keys
    readonly partitions: number
    readonly validate: ValidateCommand
  }): AppendFn =>
  async (command) => {
    const { by, deadline, ...validated } = command
    const payload = options.validate(validated)
    // Commands sent together (a batch) are all validated before the first deadline is asked for: the time
    // spent validating them is not taken from the time Redis has to run them.
    if (deadline !== undefined) await Promise.resolve()
    const partition = partitionOf(command.kind, command.id, options.partitions)
    const appended = await options.scripts.append(options.keys.partition(partition), {
      type: command.type,
      actor: `${command.kind}:${command.id}`,
      payload,
      ...(command.cmdId ? { cmdId: command.cmdId } : {}),
      fields: {
        ...(command.replyTo ? { replyTo: command.replyTo } : {}),
        ...(command.replyWhen ? { replyWhen: command.replyWhen } : {}),
        ...(by ? { by } : {}),
      },
      ...(deadline === undefined ? {} : { deadline: deadline() }),
    })
    return { partition, streamId: appended.id, duplicate: appended.duplicate }
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
