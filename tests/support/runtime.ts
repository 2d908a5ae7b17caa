// Test support: one test file's deployment (its own Postgres schema and Redis key prefix)
// with any number of in-process runtimes or hand-driven partition workers, the `append`
// function, and helpers to poll actors and read their history and published events.
import { randomBytes, randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import { KINDS } from "../../actors/index.ts"
import { createLogger, type Logger } from "../../src/log.ts"
import { close, openRedis } from "../../src/redis/client.ts"
import { keysFor, type Keys } from "../../src/redis/keys.ts"
import { partitionOf } from "../../src/redis/partition.ts"
import { createScripts, type RedisScripts } from "../../src/redis/scripts.ts"
import { createAppend, createAppendEach, type AppendEachFn, type AppendFn } from "../../src/runtime/append.ts"
import type { ActorKind } from "../../src/runtime/actor-kind.ts"
import type { BatchIo } from "../../src/runtime/execute-batch.ts"
import type { Decoded } from "../../src/runtime/plan-batch.ts"
import { createGroupCommit } from "../../src/runtime/group-commit.ts"
import { createTurns } from "../../src/runtime/turns.ts"
import { decodeInboxEntry, ownCommandPayload, validateCommand } from "../../src/runtime/inbox-codec.ts"
import { PartitionWorker } from "../../src/runtime/partition-worker.ts"
import { createRouter } from "../../src/runtime/router.ts"
import { DEFAULT_TUNING, startRuntime, type Runtime, type RuntimeTuning } from "../../src/runtime/runtime.ts"
import { RuntimeStats } from "../../src/runtime/stats.ts"
import type { StoredActor } from "../../src/store/actor-row.ts"
import { openDb, type Sql } from "../../src/store/db.ts"
import { migrate } from "../../src/store/migrate.ts"
import { getActor } from "../../src/store/queries.ts"
import { expandSnapshot } from "../../src/runtime/stored-snapshot.ts"
import { decodeEventStreamEntry, type StreamedEvent } from "../../src/schema/event-stream.ts"
import { deletePrefixKeys, redisUrl as resolveRedisUrl } from "./redis.ts"
import { freshSchema, type TestSchema } from "./postgres.ts"

/** The stored actor with its snapshot as the runtime reads it (members left out at their defaults put back). */
const readActor = async (sql: Sql, kind: string, id: string): Promise<StoredActor | undefined> => {
  const actor = await getActor(sql, kind, id)
  const known = KINDS.find((candidate) => candidate.kind === kind)
  return actor && known ? { ...actor, snapshot: expandSnapshot(known, id, actor.snapshot) } : actor
}
export interface DeploymentOptions {
  readonly partitions?: number
  /** A database of the test's own (a throwaway server) instead of a fresh schema on the shared one. */
  readonly databaseUrl?: string
  /** How long appended command ids are remembered (the default window otherwise). */
  readonly dedupeTtlMs?: number
}

export interface WorkerOptions {
  /** The consumer name it reads as (a runtime uses its member id, which also owns the lease). */
  readonly consumer: string
  /** Connections to use instead of the deployment's (e.g. wrapped to fail or pause). */
  readonly redis?: Redis
  /** The connection of its blocking inbox reads. */
  readonly blocking?: Redis
  readonly sql?: Sql
  readonly tuning?: Partial<RuntimeTuning>
  /** Actor kinds and inbox decoding other than the product's (a test's own machines). */
  readonly kinds?: ReadonlyArray<ActorKind>
  readonly decode?: (fields: Readonly<Record<string, string>>) => Decoded
  /** Its scripts as the worker sees them (e.g. one wrapped to hold its call back). */
  readonly scripts?: (scripts: RedisScripts) => RedisScripts
  /** Its clock (default `Date.now`; a test's own to make a pause seem long). Nobody renews a test worker's lease: from
   * half its `leaseTtlMs` after its start, it checks its lease before it carries out a batch. */
  readonly clock?: () => number
}

/** One transition row of an actor. */
export interface Transition {
  readonly event: string
  readonly from: string | null
  readonly to: string
  readonly streamId: string
}

/** A transition as published on the event stream: the actor's new version and the merge patch of its view. */
export type PublishedEvent = Omit<StreamedEvent, "topics" | "at">

export interface TestDeployment {
  readonly schema: TestSchema
  readonly redis: Redis
  readonly keys: Keys
  readonly scripts: RedisScripts
  readonly partitions: number
  readonly append: AppendFn
  /** Commands appended together as the runtime appends its own (a router's proposals), on the deployment's connection. */
  readonly appendEach: AppendEachFn
  readonly redisUrl: string
  /** Starts a runtime process's worth of loops in this process. */
  startRuntime(tuning?: Partial<RuntimeTuning>): Promise<Runtime>
  /** Another connection to the deployment's Redis, closed by close(). */
  connectRedis(name?: string): Promise<Redis>
  /** Starts one partition worker by hand, with a fencing token the test obtained (stopped by close()). */
  startWorker(partition: number, fence: number, options: WorkerOptions): Promise<PartitionWorker>
  /** What a partition worker carries out its batches with, on the deployment's connections. */
  batchIo(): BatchIo
  /** A new actor id of `kind` that lives in `partition`. */
  idIn(kind: string, partition: number): string
  /** Polls an actor's stored row (its snapshot as the runtime reads it) until `until` holds (or fails after `timeoutMs`). */
  actor(kind: string, id: string, until?: (actor: StoredActor) => boolean, timeoutMs?: number): Promise<StoredActor>
  /** An actor's stored transitions, in the order they were recorded. */
  transitions(kind: string, id: string): Promise<Transition[]>
  /** The transitions published on the event stream for one actor, in stream order. */
  events(actorId: string): Promise<PublishedEvent[]>
  /** Stops every runtime and worker started so far (e.g. after each test). */
  stopAll(): Promise<void>
  close(): Promise<void>
}

export const QUICK: Partial<RuntimeTuning> = {
  tickMs: 200,
  leaseTtlMs: 1_000,
  memberExpiryMs: 1_000,
  blockMs: 100,
  timerTickMs: 20,
  takenHoldMs: 1_000,
}

/** How many entries `stream` was ever given (XINFO STREAM entries-added): applied inbox entries are
 * deleted, so its length says nothing about what was appended. 0 for a stream that does not exist. */
export const entriesAdded = async (redis: Redis, stream: string): Promise<number> => {
  const info = (await redis.xinfo("STREAM", stream).catch(() => [])) as unknown[]
  const at = info.indexOf("entries-added")
  return at < 0 ? 0 : Number(info[at + 1])
}

/**
 * Plays the bots of a test: starts and completes every task assigned to an agent (with command ids of
 * the task's attempt, so a repeat within an attempt is appended once and a later attempt is still
 * played) until `count` tasks are completed, or fails after `timeoutMs`. Answers the ids of the
 * completed tasks.
 */
export const completeAssignedTasks = async (deployment: TestDeployment, count: number, timeoutMs = 60_000): Promise<Set<string>> => {
  const done = new Set<string>()
  await waitFor(
    `${count} tasks completed`,
    async () => {
      const rows = await deployment.schema.sql<{ id: string; agent_id: string; state: string; attempt: number }[]>`
      select id, agent_id, state, coalesce((snapshot->'context'->>'attempt')::int, 0) as attempt
      from actors where kind = 'task' and state in ('assigned', 'completed')`
      await Promise.all(
        rows.map(async (row) => {
          if (row.state === "completed") {
            done.add(row.id)
            return
          }
          const attempt = `${row.id}/${row.attempt}`
          await deployment.append({ kind: "task", id: row.id, type: "START", payload: { agentId: row.agent_id }, cmdId: `s/${attempt}` })
          await deployment.append({ kind: "task", id: row.id, type: "COMPLETE", payload: { agentId: row.agent_id }, cmdId: `c/${attempt}` })
        }),
      )
      return done.size >= count ? true : undefined
    },
    timeoutMs,
  )
  return done
}

/**
 * Polls `probe` until it answers a value (undefined means "not yet"). An assertion failing inside the probe fails
 * at once: an invariant broken is never "not yet". Any other error is retried (a server may be coming back), and
 * the timeout fails with the last one, its message included and the error itself as the cause.
 */
export const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      if (error instanceof Error && error.name === "AssertionError") throw error
      last = error
    }
    if (Date.now() > deadline) {
      const detail = last === undefined ? "" : `; the probe last failed with: ${last instanceof Error ? last.message : String(last)}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, last === undefined ? {} : { cause: last })
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Until Redis's clock has passed `at` (ms since the epoch). It stamps inbox entries, so a timer's event
 * carries its time as `at`: a machine takes a deadline or backoff as over once that is past what it set. */
export const redisClockPast = (redis: Redis, at: number): Promise<true> =>
  waitFor(`Redis's clock past ${new Date(at).toISOString()}`, async () => {
    const [seconds, micros] = await redis.time()
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) > at ? true : undefined
  })

type Method = (...args: unknown[]) => unknown

/** `redis` with some methods replaced; each replacement is made from the original (bound). */
export const withMethods = (redis: Redis, replace: Readonly<Record<string, (original: Method) => Method>>): Redis =>
  new Proxy(redis, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== "function") return value
      const original = (value as Method).bind(target)
      const make = typeof property === "string" ? replace[property] : undefined
      return make ? make(original) : original
    },
  })

/** A schema on a throwaway server: it goes with the server, so "dropping" only closes the pool,
 * without waiting on connections an outage stranded (postgres.js 3.4.9's end() would wait
 * forever: porsager/postgres#1097). */
const schemaOn = async (url: string): Promise<TestSchema> => {
  const db = await openDb({ url, schema: "test" })
  await migrate(db.sql)
  return { url, schema: db.schema, db, sql: db.sql, drop: () => db.sql.end({ timeout: 1 }) }
}

export const testDeployment = async (options: DeploymentOptions = {}): Promise<TestDeployment> => {
  const partitions = options.partitions ?? 4
  const schema = options.databaseUrl === undefined ? await freshSchema() : await schemaOn(options.databaseUrl)
  const redisUrl = await resolveRedisUrl()
  const redis = await openRedis(redisUrl, { name: "test" })
  const keys = keysFor(`t${randomBytes(5).toString("hex")}`)
  // Every connection's scripts remember command ids for the deployment's one dedupe window.
  const scriptOptions = options.dedupeTtlMs === undefined ? {} : { dedupeTtlMs: options.dedupeTtlMs }
  const scripts = createScripts(redis, scriptOptions)
  const append = createAppend({ scripts, keys, partitions, validate: validateCommand })
  const runtimes: Runtime[] = []
  const workers: PartitionWorker[] = []
  const connections: Redis[] = []
  const log: Logger = createLogger(process.env.TEST_LOG === "1" ? "debug" : "error")
  const connect = async (name: string) => {
    const own = await openRedis(redisUrl, { name })
    connections.push(own)
    return own
  }
  const stopAll = async () => {
    await Promise.all([...runtimes.splice(0).map((runtime) => runtime.stop()), ...workers.splice(0).map((worker) => worker.stop())])
  }
  const appendEachOn = (onScripts: RedisScripts) => createAppendEach({ scripts: onScripts, keys, partitions, validate: ownCommandPayload })
  /** What a worker carries out a batch with, on the deployment's connections or the given ones (its router's proposals
   * on its own connection, as the runtime's). */
  const batchIo = ({ redis: onRedis = redis, sql = schema.sql }: { redis?: Redis; sql?: Sql } = {}): BatchIo => {
    const onScripts = createScripts(onRedis, scriptOptions)
    const turns = createTurns()
    return {
      sql,
      commit: createGroupCommit(sql, { turns }),
      redis: onRedis,
      scripts: onScripts,
      keys,
      partitions,
      eventRetention: DEFAULT_TUNING.eventRetention,
      append,
      router: createRouter({ sql, redis: onRedis, keys, appendEach: appendEachOn(onScripts), clock: Date.now }),
      turns,
    }
  }

  return {
    schema,
    redis,
    keys,
    scripts,
    partitions,
    append,
    appendEach: appendEachOn(scripts),
    redisUrl,
    stopAll,
    connectRedis: (name = "test") => connect(name),
    batchIo: () => batchIo(),
    async startRuntime(tuning = QUICK) {
      const own = await connect("test-runtime")
      const runtime = await startRuntime({
        redis: own,
        sql: schema.sql,
        scripts: createScripts(own, scriptOptions),
        keys,
        partitions,
        kinds: KINDS,
        decode: decodeInboxEntry,
        log,
        tuning,
      })
      runtimes.push(runtime)
      return runtime
    },
    async startWorker(
      partition,
      fence,
      {
        consumer,
        redis: onRedis,
        blocking,
        sql,
        tuning = QUICK,
        kinds = KINDS,
        decode = decodeInboxEntry,
        scripts: wrap,
        clock = Date.now,
      },
    ) {
      const settings = { ...DEFAULT_TUNING, ...tuning }
      const startedAt = clock()
      const io = batchIo({ redis: onRedis ?? (await connect("test-worker")), sql })
      const worker = new PartitionWorker(
        {
          io: wrap === undefined ? io : { ...io, scripts: wrap(io.scripts) },
          blocking: blocking ?? (await connect("test-worker-blocking")),
          kinds: new Map(kinds.map((kind) => [kind.kind, kind])),
          decode,
          consumer,
          batchSize: settings.batchSize,
          blockMs: settings.blockMs,
          timerTickMs: settings.timerTickMs,
          maxActors: settings.maxActors,
          passivateAfterMs: settings.passivateAfterMs,
          leaseTtlMs: settings.leaseTtlMs,
          clock,
          log,
          stats: new RuntimeStats(),
        },
        partition,
        fence,
        startedAt,
      )
      workers.push(worker)
      worker.start()
      return worker
    },
    idIn(kind, partition) {
      for (;;) {
        const id = randomUUID()
        if (partitionOf(kind, id, partitions) === partition) return id
      }
    },
    actor: (kind, id, until = () => true, timeoutMs) =>
      waitFor(
        `${kind} ${id}`,
        async () => {
          const actor = await readActor(schema.sql, kind, id)
          return actor && until(actor) ? actor : undefined
        },
        timeoutMs,
      ),
    transitions: async (kind, id) =>
      schema.sql<Transition[]>`
        select event, from_state as "from", to_state as "to", stream_id as "streamId"
        from transitions where kind = ${kind} and actor_id = ${id} order by id`,
    async events(actorId) {
      const entries = await redis.xrange(keys.events, "-", "+")
      return entries
        .map(([, fields]) => decodeEventStreamEntry(Object.fromEntries(pairs(fields))))
        .flatMap((decoded) => (decoded.ok && decoded.value.type === "event" ? [decoded.value.event] : []))
        .filter((event) => event.actorId === actorId)
        .map(({ actorId: actor_id, topic, ...event }) => ({ ...event, actor_id }))
    },
    async close() {
      await stopAll()
      await deletePrefixKeys(redis, keys)
      await Promise.all([...connections, redis].map(close))
      await schema.drop()
    },
  }
}

const pairs = (flat: ReadonlyArray<string>): Array<[string, string]> => {
  const result: Array<[string, string]> = []
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i] as string, flat[i + 1] as string])
  return result
}

/** The entries of `type` appended to `kind:id` in its partition's inbox in `deployment` (read by no runtime), their
 * payloads parsed. */
export const inboxPayloads = async (
  deployment: TestDeployment,
  kind: string,
  id: string,
  type: string,
): Promise<Array<Record<string, unknown>>> => {
  const inbox = deployment.keys.partition(partitionOf(kind, id, deployment.partitions)).inbox
  return (await deployment.redis.xrange(inbox, "-", "+"))
    .map(([, flat]) => Object.fromEntries(pairs(flat)))
    .filter((entry) => entry["actor"] === `${kind}:${id}` && entry["type"] === type)
    .map((entry) => JSON.parse(entry["payload"] ?? "{}") as Record<string, unknown>)
}
