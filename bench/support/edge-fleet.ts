// A `clawbot start` deployment (runtime + edge) served by real bots: M agents registered with
// `POST /agents`, an SDK bot for each in worker threads (support/sdk-bots.ts), and
// the ways tasks reach it over HTTP: `POST /tasks/batch` (falling back to concurrent `POST
// /tasks` where the edge answers 404 for the batch route) and `POST /sessions`.
import { CAPABILITY } from "../lifecycle.ts"
import { expectStatus, httpApi, type Api } from "./api.ts"
import { track, type Bench, type Tracked } from "./bench.ts"
import type { Outcome } from "../report.ts"
import { epochMs } from "./clock.ts"
import { startDeployment, type Deployment } from "./deployment.ts"
import { noopPayload } from "./payload.ts"
import { waitFor } from "./wait.ts"
import { startSdkBots, type BotPool } from "./sdk-bots.ts"

/** Largest body of `POST /tasks/batch`. */
const BATCH = 1000
/** Requests in flight at once when submitting over HTTP. */
const IN_FLIGHT = 32
const CONNECT_TIMEOUT_MS = 60_000
const FALLBACK_NOTE =
  "the edge answered 404 for POST /tasks/batch: the tasks this deployment got that way (its warm-up included) were sent with concurrent POST /tasks instead"

export interface EdgeFleet {
  readonly deployment: Deployment
  readonly api: Api
  /** For the report: the batch-route fallback, 429s waited out, the bots' error frames and reconnects. */
  notes(): string[]
  /** Submits standalone no-op tasks; `payload(i)` is each one's payload. */
  submitTasks(count: number, payload: (i: number) => object): Promise<void>
  /**
   * The warm-up, then one measured run: `submit()` submits `tasks` tasks (its failure fails the
   * run), which ends once Postgres holds `tasks` more completed tasks, and the cost. `timed`: the
   * latencies are the bots' submit → `task_assigned` delays (of the tasks whose payload carries `at`: the
   * warm-up's do not). `warm`: the warm-up's tasks and how they are submitted (else the bench's `warmup` tasks over HTTP).
   */
  measure(label: string, tasks: number, submit: () => Promise<unknown>, options?: MeasureOptions): Promise<Outcome>
  stop(): Promise<void>
}

export interface MeasureOptions {
  readonly timed?: boolean
  readonly warm?: { readonly tasks: number; readonly submit: () => Promise<unknown> }
}

/** Runs `calls` with at most IN_FLIGHT at once. */
const limited = async (calls: ReadonlyArray<() => Promise<unknown>>): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < calls.length) await calls[next++]?.()
  }
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, calls.length) }, lane))
}

export const startEdgeFleet = async (bench: Bench, tag: string): Promise<EdgeFleet> => {
  const { agents, concurrency, botThreads } = bench.options
  const deployment = await startDeployment(bench, "start", tag)
  const api = httpApi(deployment.baseUrl, deployment.operatorToken, bench.signal)
  let bots: BotPool | undefined
  const stop = async () => {
    await bots?.stop()
    await deployment.stop()
  }
  try {
    const tokens = await Promise.all(
      Array.from({ length: agents }, async (_, index) => {
        const body = { name: `bench-${index}`, capabilities: [CAPABILITY], max_concurrency: concurrency, heartbeat_interval_ms: 30_000 }
        const created = expectStatus("POST /agents", await api.post("/agents", body), 201, 202)
        return String(created["token"])
      }),
    )
    const pool = startSdkBots(deployment.baseUrl, CAPABILITY, tokens, botThreads)
    bots = pool
    const failure = () => deployment.failure() ?? pool.failure()
    await waitFor(
      "every bot connected and its agent online",
      async () => {
        const failed = failure()
        if (failed !== undefined) throw new Error(failed)
        const online = pool.progress().connected === agents && (await deployment.observer.count("agent", "online")) === agents
        return online ? true : undefined
      },
      CONNECT_TIMEOUT_MS,
      bench.signal,
      100,
    )

    /** Set once a submit found no batch route and fell back to one request per task. */
    const fallback = { used: false }
    /** The busiest bot thread's event-loop utilization during the last measured run. */
    let botsBusy: number | undefined
    const submitTasks = async (count: number, payload: (i: number) => object) => {
      const indices = Array.from({ length: count }, (_, i) => i)
      const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) => indices.slice(b * BATCH, (b + 1) * BATCH))
      const sendBatch = async (batch: ReadonlyArray<number>) => {
        const tasks = batch.map((i) => ({ title: `bench ${i}`, capability: CAPABILITY, payload: payload(i) }))
        return api.post("/tasks/batch", { tasks })
      }
      if (!fallback.used) {
        const first = await sendBatch(batches[0] ?? [])
        if (first.status !== 404) {
          expectStatus("POST /tasks/batch", first, 202)
          return limited(batches.slice(1).map((batch) => async () => expectStatus("POST /tasks/batch", await sendBatch(batch), 202)))
        }
        fallback.used = true
      }
      await limited(
        indices.map(
          (i) => async () =>
            expectStatus(
              "POST /tasks",
              await api.post("/tasks", { title: `bench ${i}`, capability: CAPABILITY, payload: payload(i) }),
              201,
              202,
            ),
        ),
      )
    }
    /**
     * Follows the run until `count` more tasks than `baseline` are completed in Postgres; a failure of
     * `submitting` (the submit under way) ends it. Until the bots' handlers have run `count` tasks it
     * reads their own count (no query), then polls Postgres: a count of completed rows that grows
     * with the run, polled all along, took about a tenth of Postgres' execution time in the run it
     * measured.
     */
    const durable = async (label: string, count: number, baseline: number, submitting: Promise<unknown>): Promise<Tracked> => {
      let submitFailure: string | undefined
      submitting.catch((error: unknown) => (submitFailure = `submitting: ${String(error)}`))
      const ranBefore = pool.progress().assigned
      const tracked = await track(
        bench,
        label,
        count,
        async () => {
          const ran = pool.progress().assigned - ranBefore
          return ran < count ? Math.min(ran, count - 1) : (await deployment.observer.count("task", "completed")) - baseline
        },
        () => submitFailure ?? failure(),
        100,
      )
      await submitting.catch(() => undefined)
      return tracked
    }
    return {
      deployment,
      api,
      submitTasks,
      stop,
      notes() {
        const seen = pool.progress()
        return [
          ...(botsBusy === undefined
            ? []
            : [
                `bots: ${agents} SDK bots in ${Math.min(botThreads, agents)} worker threads, the busiest thread's event loop ${(botsBusy * 100).toFixed(0)}% busy during the measured run`,
              ]),
          ...(fallback.used ? [FALLBACK_NOTE] : []),
          ...(api.rateLimited() > 0
            ? [
                `${api.rateLimited()} HTTP requests (its warm-up included) were answered 429 (rate limited) and sent again after Retry-After`,
              ]
            : []),
          ...(api.unavailable() > 0
            ? [`${api.unavailable()} HTTP requests (its warm-up included) were answered 503 (unavailable) and sent again`]
            : []),
          ...(seen.errors > 0 || seen.reconnects > 0
            ? [
                `bots: ${seen.errors} errors${seen.errors > 0 ? ` (first: ${seen.firstErrors.join("; ")})` : ""}, ${seen.reconnects} reconnects${
                  seen.reconnects > 0 ? ` (lost with: ${seen.firstLosses.join("; ")})` : ""
                }`,
              ]
            : []),
        ]
      },
      async measure(label, tasks, submit, { timed = false, warm: given } = {}) {
        const { warmup } = bench.options
        const completed = () => deployment.observer.count("task", "completed")
        const warm = given ?? { tasks: warmup, submit: () => submitTasks(warmup, (i) => noopPayload(i)) }
        if (warm.tasks > 0) {
          const warmed = await durable(`${label} warm-up`, warm.tasks, await completed(), warm.submit())
          if (!warmed.finished) throw new Error(`warm-up: ${warmed.failure}`)
        }
        await deployment.quiesce()
        const baseline = await completed()
        const before = await deployment.sample()
        const started = epochMs()
        pool.mark()
        const run = await durable(label, tasks, baseline, submit())
        const times = timed ? await pool.assignTimes() : undefined
        const latencies = times === undefined ? {} : { timed: times }
        botsBusy = await pool.hold()
        const cost = await deployment.finish(before)
        const failed = run.failure === undefined ? {} : { failure: run.failure }
        return { tasks, completed: (await completed()) - baseline, wallMs: run.endedAt - started, cost, ...latencies, ...failed }
      },
    }
  } catch (error) {
    await stop()
    throw error
  }
}
