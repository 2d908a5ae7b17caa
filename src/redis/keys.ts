// Redis key names for one deployment prefix (default `cb`). Every key of a partition carries
// the hash tag `{prefix:p}`, so Redis Cluster keeps a partition in one slot and one script
// can touch all of them; no script is ever given keys of two partitions.

/** The consumer group every runtime process reads partition inboxes with. */
export const RUNTIME_GROUP = "runtime"

/** The keys of one partition; all share the hash tag `{prefix:p}`. */
export interface PartitionKeys {
  readonly partition: number
  /** Inbox stream: every command to an actor of this partition. */
  readonly inbox: string
  /** Sorted set of durable timers, member `kind:id:name`, score = fire time (ms). */
  readonly timers: string
  /** Hash of timer member → the entry to append when it fires (JSON). */
  readonly timerData: string
  /** Dead-letter stream: inbox entries that could not be applied, with the reason. */
  readonly dead: string
  /** Partition lease: hash {owner, token} with a PX expiry. */
  readonly lease: string
  /** Monotonic fencing counter, INCRed on every lease acquisition. */
  readonly fence: string
  /** Idempotent-append marker for a command id: holds the stream id it was appended as. */
  dedupe(cmdId: string): string
  /** An agent's last HTTP heartbeat appended (hash: load, status, window, entry), for the record period
   * (heartbeat-record.lua): the ones that repeat it only push its expiry back. */
  heartbeat(agentId: string): string
}

export interface Keys {
  readonly prefix: string
  partition(p: number): PartitionKeys
  /** Event stream every edge and subscriber reads. */
  readonly events: string
  /** One edge's reply stream: the runtime's answers to the commands that edge appended (`replyTo`).
   * It shares the event stream's hash tag, so the edge reads both with one blocking XREAD. */
  replies(edgeId: string): string
  /** Sorted set of runtime processes, score = last heartbeat (ms). */
  readonly members: string
  /** Pub/sub channel a stopping runtime publishes its member id on once it has left the membership
   * and after each lease it releases: the others rebalance at once instead of at their next tick. */
  readonly departures: string
  /** Hash of runtime member id → its statistics (JSON, src/schema/runtime-stats.ts), for /metrics. */
  readonly stats: string
  /** The base of every routing key (ready queues, group rotations, caps, in-flight sets), one hash tag
   * so the routing scripts touch one slot: `<route>:q:<capability>` (the groups with a ready task of
   * that capability, in rotation order), `<route>:g:<capability>|<group>` (a group's ready tasks, most
   * urgent first), `<route>:t:<capability>` (turn counter), `<route>:caps` (group → max in flight),
   * `<route>:held:<group>` (its tasks taken and not yet released), `<route>:taken` (tasks taken lately, by time),
   * `<route>:gc:<group>` (the capabilities it has queued tasks under), `<route>:idle:<capability>` (idle agents, `idle`). */
  readonly route: string
  /** The rotation of groups with a ready task waiting for an agent with `capability` (empty: none waits). */
  ready(capability: string): string
  /** Sorted set of agents with `capability` that found nothing to take, ranked by routing score then free slots
   * (src/redis/idle-agents.ts): a hint for whom to wake when a task becomes ready (the agent's machine has the last word).
   * Under the routing hash tag (`<route>:idle:<capability>`), so one script routes a whole batch (route-batch.lua). */
  idle(capability: string): string
  /** Rate-limit state for one subject (a token, an IP, an agent) under one scope (a route, a socket): a counter, or a byte budget's hash. */
  rateLimit(scope: string, subject: string): string
  /** SCAN patterns matching every key of this prefix (tooling, test cleanup). */
  readonly patterns: readonly string[]
}

export const keysFor = (prefix = "cb"): Keys => {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    throw new RangeError(`Redis key prefix must match [A-Za-z0-9_.-]+, got ${JSON.stringify(prefix)}`)
  }
  // Built once a partition: the hot paths (every append, every batch) ask for them again and again.
  const partitions = new Map<number, PartitionKeys>()
  const partitionKeys = (p: number): PartitionKeys => {
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`partition must be a non-negative integer, got ${p}`)
    const tag = `{${prefix}:${p}}`
    return {
      partition: p,
      inbox: `${tag}:in`,
      timers: `${tag}:timers`,
      timerData: `${tag}:timer:data`,
      dead: `${tag}:dead`,
      lease: `${tag}:lease`,
      fence: `${tag}:fence`,
      dedupe: (cmdId) => `${tag}:dedupe:${cmdId}`,
      heartbeat: (agentId) => `${tag}:heartbeat:${agentId}`,
    }
  }
  return {
    prefix,
    partition: (p) => {
      let keys = partitions.get(p)
      if (keys === undefined) {
        keys = partitionKeys(p)
        partitions.set(p, keys)
      }
      return keys
    },
    events: `{${prefix}:ev}`,
    replies: (edgeId) => `{${prefix}:ev}:reply:${edgeId}`,
    members: `${prefix}:members`,
    departures: `${prefix}:members:left`,
    stats: `${prefix}:stats`,
    route: `{${prefix}:route}`,
    ready: (capability) => `{${prefix}:route}:q:${capability}`,
    idle: (capability) => `{${prefix}:route}:idle:${capability}`,
    rateLimit: (scope, subject) => `${prefix}:rl:${scope}:${subject}`,
    patterns: [`{${prefix}:*`, `${prefix}:*`],
  }
}
