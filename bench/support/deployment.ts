// One Clawbot deployment under test, on the bench's servers with a fresh prefix: its processes
// (`clawbot start`, or `clawbot runtime` × R), an `append` for producers that write to the inbox
// directly, the observer, and the cost probe aimed at its keys and processes.
import { randomBytes } from "node:crypto"
import { findFreePort } from "../../src/embedded/index.ts"
import { close, openRedis } from "../../src/redis/client.ts"
import { keysFor, type Keys } from "../../src/redis/keys.ts"
import { createScripts } from "../../src/redis/scripts.ts"
import { createAppend, createAppendEach, type AppendEachFn, type AppendFn } from "../../src/runtime/append.ts"
import { withIntakeGifts } from "../../src/runtime/intake.ts"
import { validateCommand } from "../../src/runtime/inbox-codec.ts"
import { freshPrefix, type Bench } from "./bench.ts"
import { STATISTICS_EVERY_MS, startClawbot, type ClawbotProcess } from "./clawbot-process.ts"
import { costBetween, rowsWritten, runtimeBatches, sampleCost, vacuumCost, type Cost, type CostSample } from "./cost.ts"
import { observe, type Observer } from "./observer.ts"
import { waitFor } from "./wait.ts"

export interface Deployment {
  readonly keys: Keys
  readonly append: AppendFn
  /** Commands sent together, in one call (the bench's own bulk producers: a submission, the simulated bots' answers). */
  readonly appendEach: AppendEachFn
  readonly observer: Observer
  /** `start` only: http://127.0.0.1:port and the operator token. */
  readonly baseUrl: string
  readonly operatorToken: string
  /** Why a process of it is gone (naming its log), when one is. */
  failure(): string | undefined
  sample(): Promise<CostSample>
  /** Waits until the runtimes applied nothing for a while (their published batch count is still), at most QUIESCE_MAX_MS. */
  quiesce(): Promise<void>
  /** Quiesces, samples, stops the Clawbot processes, then reads the rows they wrote (flushed as they exit) and measures
   * a VACUUM of its tables. */
  finish(before: CostSample): Promise<Cost>
  stop(): Promise<void>
}

const STARTUP_TIMEOUT_MS = 60_000
/** Runtimes publish their statistics at every keep-alive tick: still over three publications is quiet. */
const QUIET_MS = STATISTICS_EVERY_MS * 3.5
/** A deployment still busy after this long (a run that timed out with a backlog) is sampled as it is. */
const QUIESCE_MAX_MS = 30_000

export const startDeployment = async (bench: Bench, command: "start" | "runtime", tag: string): Promise<Deployment> => {
  const { options, servers, signal } = bench
  const keys = keysFor(freshPrefix(tag))
  const operatorToken = randomBytes(24).toString("base64url")
  const port = command === "start" ? await findFreePort() : undefined
  const env = {
    logDir: bench.logDir,
    redisUrl: servers.redisUrl,
    databaseUrl: servers.databaseUrl,
    prefix: keys.prefix,
    partitions: options.partitions,
    operatorToken,
    ...(port === undefined ? {} : { port }),
  }
  const count = command === "start" ? 1 : options.runtimes
  const processes: ClawbotProcess[] = []
  const connection = await openRedis(servers.redisUrl, { name: "bench-producer" })
  const observer = await observe(servers.directDatabaseUrl, bench.redis, keys)
  const failure = () => processes.map((process) => process.failure()).find((failed) => failed !== undefined)
  // Its schema goes with it: autovacuum would otherwise go through its tables' dead rows during a later run, and that
  // run's Postgres CPU and WAL would count the work (docs/performance.md, round 38). Dropped once its processes stopped;
  // a drop that fails leaves the schema (the run's servers go at its end anyway) rather than hide why the run stopped.
  const stop = async () => {
    await Promise.all(processes.map((process) => process.stop()))
    await observer.close()
    await close(connection)
    await servers.directSql`drop schema if exists ${servers.directSql(keys.prefix)} cascade`.catch(() => undefined)
  }
  try {
    for (let i = 0; i < count; i++) processes.push(await startClawbot(command, env, i))
    const baseUrl = port === undefined ? "" : `http://127.0.0.1:${port}`
    const up = async () => {
      const failed = failure()
      if (failed !== undefined) throw new Error(failed)
      if ((await observer.partitionsOwned()) !== options.partitions) return undefined
      return baseUrl === "" || (await fetch(`${baseUrl}/ready`)).ok ? true : undefined
    }
    await waitFor(`clawbot ${command} to own all ${options.partitions} partitions`, up, STARTUP_TIMEOUT_MS, signal, 100).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\n${(await Promise.all(processes.map((process) => process.logTail()))).join("\n")}`)
      },
    )
    const producer = { scripts: createScripts(connection), keys, partitions: options.partitions, validate: validateCommand }
    const target = { keys, schema: keys.prefix, partitions: options.partitions, pids: () => processes.map((process) => process.pid) }
    const sample = () => sampleCost(bench, target)
    // Only the batch count: a full sample would run its own queries (history, statements) on every look.
    const batches = async () => (await runtimeBatches(bench.redis, keys)).batches
    const quiesce = async () => {
      const deadline = Date.now() + QUIESCE_MAX_MS
      for (let last = -1, now = await batches(); now !== last && Date.now() < deadline; last = now, now = await batches()) {
        signal.throwIfAborted()
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      }
    }
    return {
      keys,
      observer,
      baseUrl,
      operatorToken,
      stop,
      sample,
      quiesce,
      // As the edge's (src/services.ts): standalone tasks created while a slot waits are created assigned.
      append: withIntakeGifts(createAppend(producer), producer),
      appendEach: createAppendEach(producer),
      failure,
      async finish(before) {
        await quiesce()
        const after = await sample()
        await Promise.all(processes.map((process) => process.stop()))
        await waitFor(
          "the deployment's Postgres sessions to end",
          async () => {
            const [row] = await servers.directSql<
              [{ n: number }]
            >`select count(*)::int as n from pg_stat_activity where application_name = 'clawbot'`
            return row.n === 0 ? true : undefined
          },
          10_000,
          signal,
          50,
        )
        const pgRowsWritten = (await rowsWritten(bench)) - before.pgRowsWritten
        return { ...costBetween(before, after), pgRowsWritten, vacuum: await vacuumCost(bench, keys.prefix) }
      },
    }
  } catch (error) {
    await stop()
    throw error
  }
}
