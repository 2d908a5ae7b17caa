// The bot client: `connectBot({url, token})` opens the agent's control socket and keeps it open
// (reconnecting with backoff and jitter, resuming its session); `bot.handle(capability, fn)` runs
// each assigned task of that capability, up to the agent's max_concurrency at once. A task is
// started, run and completed with its attempt on every frame; what the handler returns is the
// result, what it throws is the failure. A task sent again after a reconnect is not run twice;
// task_cancelled aborts the handler's signal; a report the server refuses is passed to onError. A task's
// reports are one key of the outbox: one refused in passing and sent again is never overtaken by the next (one
// that overtook it on its way is sent again behind it).
// Frames the server dropped over the socket's frame rate (`rate_limited` without a `ref`) are sent again once
// the rate has had time to fall (a second), not after the ack timeout.
import { plainServerFrame, ServerFrame } from "../../schema/frames.ts"
import type { BackoffOptions } from "../backoff.ts"
import { ClawbotError } from "../errors.ts"
import { frameDecoder } from "../frame-decoder.ts"
import { requester, type FetchLike, type Requester } from "../http.ts"
import { ReconnectingSocket } from "../socket.ts"
import { webSocketImpl, type WebSocketConstructor } from "../transport.ts"
import type { Ack, AgentView, AssignedTask, Connected, ErrorDetail, OutgoingBotFrame, TaskCancelled } from "../types.ts"
import { socketUrl } from "../urls.ts"
import { Outbox } from "./outbox.ts"
import { createRun, TaskAborted, type Run, type TaskContext } from "./task-context.ts"

/** What a handler returns becomes the task's result (JSON); `undefined` completes it without one. */
export type TaskHandler = (task: AssignedTask, ctx: TaskContext) => unknown

export type BotStatus = "connecting" | "connected" | "reconnecting" | "closing" | "closed"

/** Where an error a bot reports came from. */
export interface BotErrorContext {
  readonly taskId?: string
  readonly attempt?: number
  readonly frame?: OutgoingBotFrame["type"]
}

/** How a bot's control socket was lost: the close code and reason it got. */
export interface SocketLoss {
  readonly code: number
  readonly reason: string
}

export interface BotOptions {
  /** `http://host:port` of the edge. */
  readonly url: string
  /** The agent's token (from `POST /agents`). */
  readonly token: string
  /** Tasks run at once (default: the agent's max_concurrency). */
  readonly concurrency?: number | undefined
  /** Refusals of its reports (a stale attempt: `conflict`), frames given up, and why it stopped. */
  readonly onError?: ((error: ClawbotError, context: BotErrorContext) => void) | undefined
  /** Each change of status; `reconnecting` comes with how the socket was lost (its close code and reason: 1006 and
   * "" when no close frame came, or the connection never opened). */
  readonly onStatus?: ((status: BotStatus, lost?: SocketLoss) => void) | undefined
  /**
   * Every `task_cancelled` the server sends `{task_id, attempt, reason}`: a running task's (whose
   * handler also sees its signal abort) or a queued one's (dropped from the queue, never started).
   */
  readonly onTaskCancelled?: ((cancelled: TaskCancelled) => void) | undefined
  readonly WebSocket?: WebSocketConstructor | undefined
  readonly fetch?: FetchLike | undefined
  readonly backoff?: BackoffOptions | undefined
  /** How long an ack may take before the connection is presumed dead (default 10,000 ms). */
  readonly ackTimeoutMs?: number | undefined
  /** Sends of one frame before it is given up (default 5). */
  readonly maxSendTries?: number | undefined
}

export interface CloseOptions {
  /** How long running handlers may take to finish (default 30,000 ms); then their signals abort. */
  readonly timeoutMs?: number
}

/** The everyday frames (assignments, acks) by their plain check (src/schema/frames.ts `plainServerFrame`). */
const decodeServerFrame = frameDecoder(ServerFrame, plainServerFrame)

/** Tasks whose run ended, remembered so a task sent again is not run twice. */
const FINISHED_MEMORY = 4096

export class Bot {
  private readonly handlers = new Map<string, TaskHandler>()
  private readonly runs = new Map<string, Run>()
  private readonly queue: AssignedTask[] = []
  private readonly finished = new Map<string, number>()
  private readonly socket: ReconnectingSocket
  private readonly outbox: Outbox
  private readonly request: Requester
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private limit: number | undefined
  private connectedPayload: Connected | undefined
  private readonly connectedWaiters = new Set<{ resolve(c: Connected): void; reject(e: ClawbotError): void }>()
  private readonly idleWaiters = new Set<() => void>()
  private stoppedWith: ClawbotError | undefined
  private closing = false
  private connectedCount = 0

  constructor(private readonly options: BotOptions) {
    this.request = requester({ url: options.url, token: options.token, fetch: options.fetch })
    this.outbox = new Outbox({
      send: (text) => this.socket.send(text),
      late: () => this.socket.drop(),
      refusedLater: (error, frame) => this.refused(error, frame),
      ackTimeoutMs: options.ackTimeoutMs,
      maxTries: options.maxSendTries,
    })
    this.socket = new ReconnectingSocket(
      {
        WebSocket: webSocketImpl(options.WebSocket),
        backoff: options.backoff,
        url: () => socketUrl(options.url, "/ws/control", { token: options.token }),
      },
      {
        open: () => undefined,
        message: (text) => this.onMessage(text),
        lost: ({ code, reason, retryInMs }) => this.onLost(retryInMs, { code, reason }),
        stopped: (error) => this.stop(error),
      },
    )
    this.status("connecting")
    this.socket.start()
  }

  /** The agent's id, once connected. */
  get agentId(): string | undefined {
    return this.connectedPayload?.agent_id
  }

  /** How many times the socket connected (`connected` frames received): 1, then one more per reconnect. */
  get connections(): number {
    return this.connectedCount
  }

  /** Tasks being run now. */
  get running(): number {
    return this.runs.size
  }

  /** Tasks assigned and not started yet: waiting for a free slot, or for a first handler (in arrival order). */
  get queued(): ReadonlyArray<AssignedTask> {
    return [...this.queue]
  }

  /** Runs `handler` for every task of `capability` assigned to this agent. */
  handle(capability: string, handler: TaskHandler): this {
    this.handlers.set(capability, handler)
    this.pump()
    return this
  }

  /** Resolves with the `connected` payload of the current connection (or the next). */
  connected(): Promise<Connected> {
    if (this.connectedPayload && this.socket.isOpen) return Promise.resolve(this.connectedPayload)
    if (this.stoppedWith) return Promise.reject(this.stoppedWith)
    return new Promise((resolve, reject) => this.connectedWaiters.add({ resolve, reject }))
  }

  /** Drops the connection as if the network lost it (it reconnects and resumes): for tests and drills. */
  drop(): void {
    this.socket.drop()
  }

  /**
   * Stops taking tasks, lets running handlers finish (up to `timeoutMs`, then aborts their signals),
   * waits for the last reports to be acked, and closes the socket. Tasks it did not finish stay with
   * the agent until its heartbeat expires, then go back to ready for another bot.
   */
  async close({ timeoutMs = 30_000 }: CloseOptions = {}): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.status("closing")
    this.queue.length = 0
    if (this.runs.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const run of this.runs.values()) run.controller.abort(new TaskAborted("closing", "the bot is closing"))
          resolve()
        }, timeoutMs)
        this.idleWaiters.add(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    await this.outbox.drained(Math.min(timeoutMs, this.options.ackTimeoutMs ?? 10_000))
    this.outbox.abandon("the bot closed before the server acked this frame")
    clearInterval(this.heartbeat)
    await this.socket.close(1000, "bot closed")
    this.status("closed")
  }

  private onMessage(text: string): void {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      this.report(new ClawbotError({ code: "internal", message: `control: a frame that is not JSON: ${text.slice(0, 80)}` }), {})
      return
    }
    const decoded = decodeServerFrame(value)
    if (!decoded.ok) {
      this.report(new ClawbotError({ code: "internal", message: `control: an unexpected frame: ${decoded.error.message}` }), {})
      return
    }
    const frame = value as { type: string; payload: unknown }
    switch (frame.type) {
      case "connected":
        this.onConnected(frame.payload as Connected)
        break
      case "task_assigned":
        this.onAssigned(frame.payload as AssignedTask)
        break
      case "task_cancelled":
        this.onCancelled(frame.payload as TaskCancelled)
        break
      case "ack": {
        const ack = frame.payload as Ack
        this.outbox.ack(ack.ref, ack.stream_id)
        break
      }
      case "error": {
        const detail = frame.payload as ErrorDetail
        if (this.outbox.refuse(detail)) break
        // The server drops this socket's frames until its rate falls (PROTOCOL: a flood is rate limited).
        if (detail.code === "rate_limited" && detail.ref === undefined) this.outbox.dropped()
        this.report(new ClawbotError(detail), {})
      }
    }
  }

  private onConnected(connected: Connected): void {
    this.connectedPayload = connected
    this.connectedCount += 1
    this.status("connected")
    this.outbox.resend()
    clearInterval(this.heartbeat)
    this.heartbeat = setInterval(() => this.beat(), connected.heartbeat_interval_ms)
    this.beat()
    if (this.limit === undefined) void this.learnLimit(connected.agent_id)
    for (const waiter of [...this.connectedWaiters]) waiter.resolve(connected)
    this.connectedWaiters.clear()
  }

  /** The agent's max_concurrency, read once (its own agent is readable with its token). */
  private async learnLimit(agentId: string): Promise<void> {
    if (this.options.concurrency !== undefined) {
      this.limit = this.options.concurrency
    } else {
      try {
        this.limit = (await this.request<AgentView>("GET", `/api/v1/agents/${agentId}`)).max_concurrency
      } catch (error) {
        this.limit = 1
        this.report(error instanceof ClawbotError ? error : new ClawbotError({ code: "internal", message: String(error) }), {})
      }
    }
    this.pump()
  }

  private beat(): void {
    const limit = this.limit ?? 1
    const payload = { load: this.runs.size / limit, status: this.runs.size >= limit ? ("busy" as const) : ("healthy" as const) }
    // No id: a heartbeat that is lost is replaced by the next, never sent again.
    this.socket.send(JSON.stringify({ type: "heartbeat", payload }))
  }

  private onAssigned(task: AssignedTask): void {
    const running = this.runs.get(task.task_id)
    if (running) {
      // Sent again after a reconnect: it is running already. A newer attempt replaces the old run.
      if (task.attempt <= running.task.attempt) return
      running.controller.abort(new TaskAborted("superseded", `attempt ${task.attempt} replaced attempt ${running.task.attempt}`))
      this.runs.delete(task.task_id)
    }
    if ((this.finished.get(task.task_id) ?? -1) >= task.attempt) return
    if (this.queue.some((queued) => queued.task_id === task.task_id && queued.attempt >= task.attempt)) return
    if (this.closing) return
    this.queue.push(task)
    this.pump()
  }

  private onCancelled(cancelled: TaskCancelled): void {
    this.options.onTaskCancelled?.(cancelled)
    const index = this.queue.findIndex((queued) => queued.task_id === cancelled.task_id)
    if (index >= 0) this.queue.splice(index, 1)
    const run = this.runs.get(cancelled.task_id)
    if (run === undefined || (cancelled.attempt !== undefined && cancelled.attempt !== run.task.attempt)) return
    run.controller.abort(new TaskAborted("cancelled", cancelled.reason))
  }

  /** Starts queued tasks while there is room (once the agent's limit is known). */
  private pump(): void {
    if (this.limit === undefined || this.closing) return
    while (this.runs.size < this.limit && this.queue.length > 0) {
      const task = this.queue.shift() as AssignedTask
      const handler = this.handlers.get(task.capability)
      if (handler === undefined) {
        // Handlers may be added later; a task no handler can take waits at the back of the queue.
        if (this.handlers.size === 0) {
          this.queue.unshift(task)
          return
        }
        void this.reportOutcome(task, { success: false, error: `this bot has no handler for capability ${task.capability}` })
        continue
      }
      void this.run(task, handler)
    }
  }

  private async run(task: AssignedTask, handler: TaskHandler): Promise<void> {
    const context = { taskId: task.task_id, attempt: task.attempt }
    const run = createRun(task, this.outbox, (message) =>
      this.report(new ClawbotError({ code: "unavailable", message }), { ...context, frame: "task_progress" }),
    )
    this.runs.set(task.task_id, run)
    // The task's reports are one key of the outbox: none overtakes an earlier one sent again (a completion applied
    // before its start would be refused while the task is still assigned).
    void this.outbox
      .send({ type: "task_started", payload: { task_id: task.task_id, attempt: task.attempt } }, task.task_id)
      .then((sent) => {
        // Started already (sent again after a reconnect of another process of this agent): run on.
        if (!sent.ok && sent.error.code !== "conflict") this.report(sent.error, { ...context, frame: "task_started" })
      })
    let outcome: { success: true; result?: unknown } | { success: false; error: string }
    try {
      const result = await handler(task, run.context)
      outcome = result === undefined ? { success: true } : { success: true, result }
    } catch (error) {
      outcome = { success: false, error: error instanceof Error ? error.message : String(error) }
    }
    if (this.runs.get(task.task_id) === run) this.runs.delete(task.task_id)
    this.remember(task)
    // Taken away (cancelled, superseded, the bot closing): a report would be refused; none is sent.
    if (!run.controller.signal.aborted) await this.reportOutcome(task, outcome)
    if (this.runs.size === 0) for (const wake of [...this.idleWaiters]) wake()
    this.pump()
  }

  private async reportOutcome(task: AssignedTask, outcome: { success: boolean; result?: unknown; error?: string }): Promise<void> {
    const sent = await this.outbox.send(
      { type: "task_complete", payload: { task_id: task.task_id, attempt: task.attempt, ...outcome } as never },
      task.task_id,
    )
    if (!sent.ok) this.report(sent.error, { taskId: task.task_id, attempt: task.attempt, frame: "task_complete" })
  }

  private remember(task: AssignedTask): void {
    this.finished.set(task.task_id, task.attempt)
    if (this.finished.size > FINISHED_MEMORY) {
      const oldest = this.finished.keys().next().value
      if (oldest !== undefined) this.finished.delete(oldest)
    }
  }

  private refused(error: ClawbotError, frame: OutgoingBotFrame): void {
    const payload = frame.payload as { task_id?: string; attempt?: number }
    // A task_started refused after its ack: the task was in progress already (a resumed run).
    if (frame.type === "task_started" && error.code === "conflict") return
    this.report(error, { taskId: payload.task_id, attempt: payload.attempt, frame: frame.type })
  }

  private onLost(retryInMs: number | undefined, loss: SocketLoss): void {
    clearInterval(this.heartbeat)
    this.heartbeat = undefined
    this.outbox.pause()
    if (retryInMs !== undefined && !this.closing) this.status("reconnecting", loss)
  }

  private stop(error: ClawbotError): void {
    this.stoppedWith = error
    for (const run of this.runs.values()) run.controller.abort(new TaskAborted("closing", error.message))
    this.outbox.abandon(error.message)
    for (const waiter of [...this.connectedWaiters]) waiter.reject(error)
    this.connectedWaiters.clear()
    this.report(error, {})
    this.status("closed")
  }

  private report(error: ClawbotError, context: BotErrorContext): void {
    this.options.onError?.(error, context)
  }

  private status(status: BotStatus, lost?: SocketLoss): void {
    this.options.onStatus?.(status, lost)
  }
}

/** Opens the agent's control socket (and keeps it open); add handlers with `bot.handle()`. */
export const connectBot = (options: BotOptions): Bot => new Bot(options)
