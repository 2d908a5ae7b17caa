// Chaos support: a bot on the real wire protocol (PROTOCOL.md, plain `ws`). It opens its control
// socket on one edge, answers every `task_assigned` with `task_started` then `task_complete` under
// frame ids derived from the task and attempt (so answering again applies once), heartbeats, and
// when its edge goes away (close 1001) reconnects to the next edge in its list; a socket dropped any
// other way (1006) reconnects to the same edge, as a real bot does.
import WebSocket from "ws"

export interface SocketBotOptions {
  readonly id: string
  readonly token: string
  /** The edges' base URLs (`http://host:port`); the bot starts on `first`. */
  readonly edges: ReadonlyArray<string>
  readonly first: number
  readonly heartbeatEveryMs: number
}

interface Assigned {
  readonly task_id: string
  readonly attempt: number
}

export class SocketBot {
  /** Close codes its sockets were closed with, in order. */
  readonly closes: number[] = []
  /** The edge index each `task_complete` was sent through, per task. */
  readonly completedVia = new Map<string, number>()
  readonly errors: string[] = []
  edge: number
  private ws: WebSocket | undefined
  private stopped = false
  private heartbeat: NodeJS.Timeout | undefined
  private onConnected: (() => void) | undefined

  constructor(private readonly options: SocketBotOptions) {
    this.edge = options.first
  }

  get id(): string {
    return this.options.id
  }

  /** Opens its socket on its current edge; resolves at the first `connected` frame (of this socket or,
   * when it is dropped before, of the one that replaces it). */
  connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.onConnected = resolve
      this.open().once("error", reject)
    })
  }

  private open(): WebSocket {
    const ws = new WebSocket(`${this.options.edges[this.edge]!.replace(/^http/, "ws")}/ws/control?token=${this.options.token}`)
    this.ws = ws
    const via = this.edge
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as { type: string; payload: Record<string, unknown> }
      if (frame.type === "connected") this.onConnected?.()
      else if (frame.type === "task_assigned") this.answer(ws, via, frame.payload as unknown as Assigned)
      else if (frame.type === "error" && frame.payload["code"] !== "conflict") this.errors.push(JSON.stringify(frame.payload))
    })
    ws.on("error", (error) => {
      if (!this.stopped) this.errors.push(`socket: ${String(error)}`)
    })
    ws.on("close", (code) => {
      this.closes.push(code)
      if (this.stopped || ws !== this.ws) return
      // Its edge is going away: the next one takes it.
      if (code === 1001) this.edge = (this.edge + 1) % this.options.edges.length
      setTimeout(() => this.stopped || this.open(), 100)
    })
    this.heartbeat ??= setInterval(() => this.send({ type: "heartbeat", payload: {} }), this.options.heartbeatEveryMs)
    return ws
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.heartbeat)
    const ws = this.ws
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((resolve) => ws.once("close", resolve))
      ws.close(1000, "done")
      await closed
    }
  }

  private send(frame: { type: string; id?: string; payload: Record<string, unknown> }): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame))
  }

  private answer(ws: WebSocket, via: number, { task_id, attempt }: Assigned): void {
    if (ws !== this.ws) return
    this.send({ type: "task_started", id: `${task_id}:start:${attempt}`, payload: { task_id, attempt } })
    this.send({
      type: "task_complete",
      id: `${task_id}:complete:${attempt}`,
      payload: { task_id, attempt, success: true, result: { by: this.options.id } },
    })
    this.completedVia.set(task_id, via)
  }
}
