// Helper process: real bots on the bot control socket (PROTOCOL.md, `GET /ws/control`) with plain
// `ws`. Each answers `task_assigned` with `task_started`, and once that is acknowledged with
// `task_complete` (success, result { ok: true }): a bot whose work takes no time. It notes, for
// tasks whose payload carries `at` (epoch ms of the submit), the delay until the assignment
// arrived. A socket that closes is opened again after a short pause, as a bot would. Progress
// (every 100 ms): bots connected, assignments, completions acknowledged, reconnects, errors.
import WebSocket from "ws"
import { helperSide } from "./child.ts"
import { epochMs } from "./clock.ts"

export interface WsBotsSettings {
  /** ws://host:port of the edge. */
  readonly url: string
  readonly agents: ReadonlyArray<{ readonly id: string; readonly token: string }>
}

export interface WsBotsProgress {
  /** Bots whose socket is open and greeted (`connected`). */
  readonly connected: number
  readonly reconnects: number
  readonly assigned: number
  readonly completed: number
  /** Error frames received. */
  readonly errors: number
  /** The first few error frames, socket errors and unexpected closes, as text. */
  readonly firstErrors: ReadonlyArray<string>
}

export interface WsBotsTimes {
  /** ms from submit to `task_assigned` received, for tasks that carried `at`. */
  readonly assignDelays: ReadonlyArray<number>
}

interface Frame {
  readonly type: string
  readonly payload?: Record<string, unknown>
}

const side = helperSide<WsBotsSettings>()
const RECONNECT_MS = 200
const counts = { connected: 0, reconnects: 0, assigned: 0, completed: 0, errors: 0 }
const firstErrors: string[] = []
const assignDelays: number[] = []
const sockets = new Set<WebSocket>()
let stopping = false

const remember = (text: string) => {
  if (firstErrors.length < 5) firstErrors.push(text)
}

const runBot = (token: string) => {
  const socket = new WebSocket(`${side.settings.url}/ws/control?token=${encodeURIComponent(token)}`)
  sockets.add(socket)
  let greeted = false
  /** Frame id → what to do once the server acknowledged it. */
  const onAck = new Map<string, () => void>()
  let heartbeat: NodeJS.Timeout | undefined
  const send = (type: string, payload: object, then?: () => void) => {
    const id = `${type}-${counts.assigned}-${Math.random().toString(36).slice(2, 10)}`
    if (then) onAck.set(id, then)
    socket.send(JSON.stringify({ type, id, payload }))
  }
  const assigned = (payload: Record<string, unknown>) => {
    counts.assigned += 1
    const at = (payload["payload"] as { at?: unknown } | undefined)?.at
    if (typeof at === "number") assignDelays.push(epochMs() - at)
    const taskId = payload["task_id"]
    send("task_started", { task_id: taskId }, () =>
      send("task_complete", { task_id: taskId, success: true, result: { ok: true } }, () => (counts.completed += 1)),
    )
  }
  socket.on("message", (data: Buffer) => {
    const frame = JSON.parse(data.toString("utf8")) as Frame
    const payload = frame.payload ?? {}
    if (frame.type === "connected") {
      greeted = true
      counts.connected += 1
      const every = Number(payload["heartbeat_interval_ms"] ?? 10_000)
      heartbeat = setInterval(() => socket.send(JSON.stringify({ type: "heartbeat", payload: { status: "healthy" } })), every)
    } else if (frame.type === "task_assigned") {
      assigned(payload)
    } else if (frame.type === "ack") {
      const ref = String(payload["ref"])
      const then = onAck.get(ref)
      onAck.delete(ref)
      then?.()
    } else if (frame.type === "error") {
      counts.errors += 1
      remember(`error frame: ${JSON.stringify(payload)}`)
    }
  })
  socket.on("error", (error) => remember(`socket error: ${error.message}`))
  socket.on("close", (code, reason) => {
    clearInterval(heartbeat)
    if (!stopping) remember(`socket closed ${code} ${reason.toString()}`.trim())
    sockets.delete(socket)
    if (greeted) counts.connected -= 1
    if (stopping) return
    counts.reconnects += 1
    setTimeout(() => runBot(token), RECONNECT_MS)
  })
}

for (const agent of side.settings.agents) runBot(agent.token)
side.on("times", (): WsBotsTimes => ({ assignDelays }))
/** The deployment is about to stop: its sockets will close, and must not be opened again. */
side.on("hold", () => {
  stopping = true
  return {}
})
setInterval(() => side.send({ type: "progress", ...counts, firstErrors }), 100).unref()
side.ready()
process.once("SIGTERM", () => {
  stopping = true
  for (const socket of sockets) socket.close()
  setTimeout(() => process.exit(0), 200)
})
