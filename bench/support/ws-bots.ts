// Helper process: real bots on the bot control socket (PROTOCOL.md, `GET /ws/control`) with plain
// `ws`. Each answers `task_assigned` with `task_started`, and once that is acknowledged with
// `task_complete` (success, result { ok: true }): a bot whose work takes no time. It notes, for
// tasks whose payload carries `at` (epoch ms of the submit), the delay until the assignment
// arrived. Progress (every 100 ms): bots connected, assignments, completions acknowledged, errors.
import WebSocket from "ws"
import { helperSide } from "./child.ts"
import { epochMs } from "./clock.ts"

export interface WsBotsSettings {
  /** ws://host:port of the edge. */
  readonly url: string
  readonly agents: ReadonlyArray<{ readonly id: string; readonly token: string }>
}

export interface WsBotsProgress {
  readonly connected: number
  readonly assigned: number
  readonly completed: number
  readonly errors: number
  /** The first few error frames and socket closes, as text. */
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
const counts = { connected: 0, assigned: 0, completed: 0, errors: 0 }
const firstErrors: string[] = []
const assignDelays: number[] = []
const sockets: WebSocket[] = []
let stopping = false

const noteError = (text: string) => {
  counts.errors += 1
  if (firstErrors.length < 5) firstErrors.push(text)
}

const runBot = (token: string) => {
  const socket = new WebSocket(`${side.settings.url}/ws/control?token=${encodeURIComponent(token)}`)
  sockets.push(socket)
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
      send("task_complete", { task_id: taskId, success: true, result: { ok: true } }, () => (counts.completed += 1)))
  }
  socket.on("message", (data: Buffer) => {
    const frame = JSON.parse(data.toString("utf8")) as Frame
    const payload = frame.payload ?? {}
    if (frame.type === "connected") {
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
      noteError(`error frame: ${JSON.stringify(payload)}`)
    }
  })
  socket.on("error", (error) => noteError(`socket error: ${error.message}`))
  socket.on("close", (code, reason) => {
    clearInterval(heartbeat)
    if (!stopping) noteError(`socket closed: ${code} ${reason.toString()}`)
  })
}

for (const agent of side.settings.agents) runBot(agent.token)
side.on("times", (): WsBotsTimes => ({ assignDelays }))
setInterval(() => side.send({ type: "progress", ...counts, firstErrors }), 100).unref()
side.ready()
process.once("SIGTERM", () => {
  stopping = true
  for (const socket of sockets) socket.close()
  setTimeout(() => process.exit(0), 200)
})
