// The bots of fleet, sessions and dispatch: one SDK bot per agent (`connectBot` of
// clawbot-coordinator/client, see ./sdk-bots-worker.ts), spread over a few worker threads so the
// load generator has CPUs of its own besides the bench's main thread. The pool sums the workers'
// progress, gathers their timings, and reports a worker that failed.
import type { EventLoopUtilization } from "node:perf_hooks"
import { Worker } from "node:worker_threads"
import type { Timed } from "../report.ts"

export interface BotsWorkerSettings {
  /** http://host:port of the edge. */
  readonly url: string
  readonly capability: string
  /** The agents' tokens, one bot each. */
  readonly tokens: ReadonlyArray<string>
}

export interface BotsProgress {
  /** Bots whose control socket is open and greeted (`connected`). */
  readonly connected: number
  /** Connections lost and being retried (before the run was held). */
  readonly reconnects: number
  /** Tasks whose handler ran. */
  readonly assigned: number
  /** Errors the bots reported (refused reports, frames given up, a stop). */
  readonly errors: number
  /** The first few of them, as text. */
  readonly firstErrors: ReadonlyArray<string>
  /** How the first few lost connections were lost: `<close code> <reason>`. */
  readonly firstLosses: ReadonlyArray<string>
}

export type BotsRequest = { readonly type: "times" } | { readonly type: "hold" } | { readonly type: "stop" }

type WorkerMessage =
  | ({ readonly type: "progress" } & BotsProgress)
  | { readonly type: "times"; readonly assignTimes: ReadonlyArray<Timed> }
  | { readonly type: "hold" }
  | { readonly type: "stop" }

export interface BotPool {
  /** The workers' progress, summed. */
  progress(): BotsProgress
  /** A worker's error or unexpected exit. */
  failure(): string | undefined
  /** For each task whose payload carried `at` (its submit's epoch ms): that, and the ms from then to its handler running. */
  assignTimes(): Promise<Timed[]>
  /** Starts measuring how busy the workers are (see `hold`). */
  mark(): void
  /**
   * The run is measured: reconnects and errors from now on (the deployment stopping) are not
   * counted. Resolves with the busiest worker's event-loop utilization (0..1) since `mark()`.
   */
  hold(): Promise<number>
  /** Closes every bot and ends the workers. */
  stop(): Promise<void>
}

const WORKER = new URL("./sdk-bots-worker.ts", import.meta.url).href
/** A worker thread does not inherit the `--import tsx` of the bench: its entry registers tsx first. */
const BOOTSTRAP = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}) })`
/** How long closing the bots may take before the workers are ended anyway. */
const STOP_MS = 5_000

const EMPTY: BotsProgress = { connected: 0, reconnects: 0, assigned: 0, errors: 0, firstErrors: [], firstLosses: [] }

export const startSdkBots = (url: string, capability: string, tokens: ReadonlyArray<string>, threads: number): BotPool => {
  const count = Math.max(1, Math.min(threads, tokens.length))
  let failure: string | undefined
  let stopping = false
  const workers = Array.from({ length: count }, (_, index) => {
    const settings: BotsWorkerSettings = { url, capability, tokens: tokens.filter((_, i) => i % count === index) }
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: settings })
    const state = {
      worker,
      latest: EMPTY,
      marked: undefined as EventLoopUtilization | undefined,
      exited: new Promise<void>((resolve) => worker.once("exit", () => resolve())),
    }
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") state.latest = message
    })
    worker.on("error", (error) => (failure ??= `bot worker ${index}: ${error.stack ?? error.message}`))
    worker.once("exit", (code) => {
      if (!stopping) failure ??= `bot worker ${index} exited (code ${code})`
    })
    return state
  })
  /** Sends `request` to every worker and resolves with their answers. */
  const ask = <T extends WorkerMessage>(request: BotsRequest) =>
    Promise.all(
      workers.map(
        ({ worker, exited }) =>
          new Promise<T | undefined>((resolve) => {
            const answer = (message: WorkerMessage) => {
              if (message.type !== request.type) return
              worker.off("message", answer)
              resolve(message as T)
            }
            worker.on("message", answer)
            void exited.then(() => resolve(undefined))
            worker.postMessage(request)
          }),
      ),
    )
  return {
    progress: () =>
      workers.reduce<BotsProgress>(
        (sum, { latest }) => ({
          connected: sum.connected + latest.connected,
          reconnects: sum.reconnects + latest.reconnects,
          assigned: sum.assigned + latest.assigned,
          errors: sum.errors + latest.errors,
          firstErrors: [...sum.firstErrors, ...latest.firstErrors].slice(0, 5),
          firstLosses: [...sum.firstLosses, ...latest.firstLosses].slice(0, 5),
        }),
        EMPTY,
      ),
    failure: () => failure,
    assignTimes: async () =>
      (await ask<Extract<WorkerMessage, { type: "times" }>>({ type: "times" })).flatMap((answer) => answer?.assignTimes ?? []),
    mark: () => {
      for (const state of workers) state.marked = state.worker.performance.eventLoopUtilization()
    },
    hold: async () => {
      const busy = workers.map(({ worker, marked }) => worker.performance.eventLoopUtilization(marked).utilization)
      await ask({ type: "hold" })
      return Math.max(...busy)
    },
    stop: async () => {
      stopping = true
      await Promise.race([ask({ type: "stop" }), new Promise((resolve) => setTimeout(resolve, STOP_MS).unref())])
      await Promise.all(workers.map(({ worker }) => worker.terminate()))
    },
  }
}
