// A `clawbot start` deployment (runtime + edge) served by real bots: M agents registered with
// `POST /agents`, their bots on the control socket in a helper process (support/ws-bots.ts), and
// the ways tasks reach it over HTTP: `POST /tasks/batch` (falling back to concurrent `POST
// /tasks` where the edge answers 404 for the batch route) and `POST /sessions`.
import { CAPABILITY } from "../lifecycle.ts"
import { expectStatus, httpApi, type Api } from "./api.ts"
import { track, type Bench, type Tracked } from "./bench.ts"
import { startHelper, type Helper } from "./child.ts"
import type { Cost, CostSample } from "./cost.ts"
import { startDeployment, type Deployment } from "./deployment.ts"
import { waitFor } from "./wait.ts"
import type { WsBotsProgress, WsBotsSettings } from "./ws-bots.ts"

/** Largest body of `POST /tasks/batch`. */
const BATCH = 1000
/** Requests in flight at once when submitting over HTTP. */
const IN_FLIGHT = 32
const CONNECT_TIMEOUT_MS = 60_000
const FALLBACK_NOTE = "the edge answered 404 for POST /tasks/batch: tasks were submitted with concurrent POST /tasks instead"

export interface EdgeFleet {
  readonly deployment: Deployment
  readonly api: Api
  readonly bots: Helper<WsBotsProgress>
  /** Set once a submit found no batch route and fell back to one request per task. */
  readonly fallback: { used: boolean }
  failure(): string | undefined
  /** For the report: the batch-route fallback, 429s waited out, the bots' error frames and reconnects. */
  notes(): string[]
  /** Submits standalone no-op tasks; `payload(i)` is each one's payload. */
  submitTasks(count: number, payload: (i: number) => object): Promise<void>
  /** Polls Postgres until `count` more tasks than `baseline` are completed; `submitting` is the submit under way, whose failure ends the wait. */
  durable(label: string, count: number, baseline: number, submitting?: Promise<unknown>): Promise<Tracked>
  /** The bots stop reconnecting; then the deployment's finish (deployment.ts). */
  finish(before: CostSample): Promise<Cost>
  /** Runs `count` tasks through, unmeasured. */
  warmUp(count: number): Promise<void>
  stop(): Promise<void>
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
  const { agents, concurrency } = bench.options
  const deployment = await startDeployment(bench, "start", tag)
  const api = httpApi(deployment.baseUrl, deployment.operatorToken, bench.signal)
  let bots: Helper<WsBotsProgress> | undefined
  const stop = async () => {
    await bots?.stop()
    await deployment.stop()
  }
  try {
    const registered = await Promise.all(Array.from({ length: agents }, async (_, index) => {
      const body = { name: `bench-${index}`, capabilities: [CAPABILITY], max_concurrency: concurrency, heartbeat_interval_ms: 30_000 }
      const created = expectStatus("POST /agents", await api.post("/agents", body), 201, 202)
      return { id: String(created["id"]), token: String(created["token"]) }
    }))
    const settings: WsBotsSettings = { url: deployment.baseUrl.replace(/^http/, "ws"), agents: registered }
    const helper = await startHelper<WsBotsProgress>(new URL("./ws-bots.ts", import.meta.url), settings)
    bots = helper
    const failure = () => deployment.failure() ?? helper.failure()
    await waitFor("every bot connected and its agent online", async () => {
      const failed = failure()
      if (failed !== undefined) throw new Error(failed)
      const online = (helper.latest()?.connected ?? 0) === agents && (await deployment.observer.count("agent", "online")) === agents
      return online ? true : undefined
    }, CONNECT_TIMEOUT_MS, bench.signal, 100)

    const fallback = { used: false }
    const single = (payload: object, i: number) => async () => {
      expectStatus("POST /tasks", await api.post("/tasks", { title: `bench ${i}`, capability: CAPABILITY, payload }), 201, 202)
    }
    const submitTasks = async (count: number, payload: (i: number) => object) => {
      const batches = Array.from({ length: Math.ceil(count / BATCH) }, (_, b) =>
        Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, k) => b * BATCH + k))
      await limited(batches.map((indices) => async () => {
        if (!fallback.used) {
          const tasks = indices.map((i) => ({ title: `bench ${i}`, capability: CAPABILITY, payload: payload(i) }))
          const answer = await api.post("/tasks/batch", { tasks })
          if (answer.status !== 404) return void expectStatus("POST /tasks/batch", answer, 202)
          fallback.used = true
        }
        await limited(indices.map((i) => single(payload(i), i)))
      }))
    }
    const durable = async (label: string, count: number, baseline: number, submitting?: Promise<unknown>) => {
      let submitFailure: string | undefined
      submitting?.catch((error: unknown) => (submitFailure = `submitting: ${String(error)}`))
      const tracked = await track(bench, label, count, async () => (await deployment.observer.count("task", "completed")) - baseline, () => submitFailure ?? failure(), 100)
      await submitting?.catch(() => undefined)
      return tracked
    }
    return {
      deployment, api, bots: helper, fallback, failure, submitTasks, durable, stop,
      async finish(before) {
        await helper.request("hold")
        return deployment.finish(before)
      },
      notes() {
        const seen = helper.latest()
        return [
          ...(fallback.used ? [FALLBACK_NOTE] : []),
          ...(api.rateLimited() > 0 ? [`${api.rateLimited()} requests were answered 429 (rate limited) and sent again after Retry-After`] : []),
          ...(seen !== undefined && (seen.errors > 0 || seen.reconnects > 0)
            ? [`bots: ${seen.errors} error frames, ${seen.reconnects} reconnects; first: ${seen.firstErrors.join("; ")}`]
            : []),
        ]
      },
      async warmUp(count) {
        if (count === 0) return
        const baseline = await deployment.observer.count("task", "completed")
        const warm = await durable(`${tag} warm-up`, count, baseline, submitTasks(count, (i) => ({ i })))
        if (!warm.finished) throw new Error(`warm-up: ${warm.failure}`)
      },
    }
  } catch (error) {
    await stop()
    throw error
  }
}
