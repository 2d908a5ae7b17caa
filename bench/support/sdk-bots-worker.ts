// A worker thread of the bench's bot pool (./sdk-bots.ts): one SDK bot per agent it is given,
// `connectBot` of clawbot-coordinator/client (the package's Node entry, as a user installs it),
// each running the bench capability with a handler that returns { ok: true } at once; the SDK
// starts and completes the task, heartbeats, acks and reconnects. For tasks whose payload carries
// `at` (epoch ms of the submit) it notes the delay until the handler ran. Progress every 100 ms.
import { parentPort, workerData } from "node:worker_threads"
import { connectBot, type Bot } from "clawbot-coordinator/client"
import type { Timed } from "../report.ts"
import { epochMs } from "./clock.ts"
import type { BotsProgress, BotsRequest, BotsWorkerSettings } from "./sdk-bots.ts"

const settings = workerData as BotsWorkerSettings
const port = parentPort
if (port === null) throw new Error("sdk-bots-worker: run it as a worker thread")

const counts = { connected: 0, reconnects: 0, assigned: 0, errors: 0 }
const firstErrors: string[] = []
const firstLosses: string[] = []
const assignTimes: Timed[] = []
/** Set once the run was measured: what happens as the deployment stops is not the bots' doing. */
let holding = false

const remember = (text: string) => {
  counts.errors += 1
  if (firstErrors.length < 5) firstErrors.push(text)
}

const startBot = (token: string): Bot => {
  let connected = false
  const bot = connectBot({
    url: settings.url,
    token,
    onStatus: (status, lost) => {
      if (holding) return
      if (status === "reconnecting") {
        counts.reconnects += 1
        if (lost !== undefined && firstLosses.length < 5) firstLosses.push(`${lost.code} ${lost.reason}`.trim())
      }
      if ((status === "connected") !== connected) {
        connected = !connected
        counts.connected += connected ? 1 : -1
      }
    },
    onError: (error, context) => {
      if (!holding) remember(`${context.frame ?? "bot"}: ${error.code}: ${error.message}`)
    },
  })
  return bot.handle(settings.capability, (task) => {
    counts.assigned += 1
    const at = (task.payload as { at?: unknown } | undefined)?.at
    if (typeof at === "number") assignTimes.push([at, epochMs() - at])
    return { ok: true }
  })
}

const bots = settings.tokens.map(startBot)
const progress = (): BotsProgress => ({ ...counts, firstErrors, firstLosses })
const ticker = setInterval(() => port.postMessage({ type: "progress", ...progress() }), 100)

port.on("message", (request: BotsRequest) => {
  if (request.type === "times") port.postMessage({ type: "times", assignTimes })
  else if (request.type === "hold") {
    holding = true
    port.postMessage({ type: "hold" })
  } else {
    clearInterval(ticker)
    void Promise.all(bots.map((bot) => bot.close({ timeoutMs: 1_000 }))).then(() => port.postMessage({ type: "stop" }))
  }
})
port.postMessage({ type: "progress", ...progress() })
