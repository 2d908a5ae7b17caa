// A bot's frames on their way: each gets a frame id (unique to this bot instance, so the server's
// dedupe of `<agent>:<id>` never confuses two processes of one agent), is held until the server acks
// it, and is sent again, with the same id (applied once), after a reconnect or when its ack is late,
// a bounded number of times. A refusal (`error` with its `ref`) settles it, but a passing one (`rate_limited`,
// `unavailable`: nothing was accepted, try again later) sends it again after a backoff, within its tries, and
// holds back the later frames of its key (a task's reports) until then, so none overtakes it; one that follows
// the ack (the machine's verdict) is reported as a late refusal. A later frame of the key already on its way when
// the earlier one was refused in passing (the server read them apart) may have overtaken it: refused after its ack,
// it is sent again (a new id) after the earlier one instead of being reported (a completion applied before its
// start is refused while the task is still assigned; after the start it applies). Frames the server dropped over the
// socket's frame rate go again a second later.
import { ClawbotError } from "../errors.ts"
import type { ErrorDetail, OutgoingBotFrame } from "../types.ts"

export type SendResult = { readonly ok: true; readonly streamId: string } | { readonly ok: false; readonly error: ClawbotError }

export interface OutboxOptions {
  /** Sends text if the socket is open; false when not (it is sent after the reconnect). */
  readonly send: (text: string) => boolean
  /** Called when an ack is late: the connection is presumed dead (the bot drops and reconnects). */
  readonly late: () => void
  /** A refusal that came after the frame's ack: the machine's verdict on what it asked. */
  readonly refusedLater: (error: ClawbotError, frame: OutgoingBotFrame) => void
  /** How long an ack may take (default 10,000 ms). */
  readonly ackTimeoutMs?: number | undefined
  /** Sends of one frame before it is given up (default 5). */
  readonly maxTries?: number | undefined
}

interface Pending {
  /** The order frames were first sent in (the frame id's number). */
  readonly seq: number
  readonly frame: OutgoingBotFrame
  readonly text: string
  /** Frames of one key (a task's reports) reach the server in the order they were sent. */
  readonly key: string | undefined
  /** `sent` (or waiting for the socket), `waiting` to go again after a refusal in passing, `held` behind an earlier
   * frame of its key that waits. */
  state: "sent" | "waiting" | "held"
  /** Sent before an earlier frame of its key was refused in passing: it may reach the server first. */
  overtook: boolean
  tries: number
  timer: ReturnType<typeof setTimeout> | undefined
  settle(result: SendResult): void
}

/** What an acked frame's late refusal needs of it. */
type Acked = Pick<Pending, "seq" | "frame" | "key" | "overtook">

/** How long frames the server dropped over the socket's frame rate wait before they go again: the rate refills in a
 * second. */
const DROPPED_PAUSE_MS = 1_000

/** Sends of one frame before it is given up, unless the options say. */
const DEFAULT_MAX_TRIES = 5

/** Acked frames remembered for their late refusals. */
const REMEMBERED = 1024

/** Refusals that say to try again later (PROTOCOL: nothing was accepted). */
const PASSING: ReadonlySet<string> = new Set(["rate_limited", "unavailable"])

/** The wait before the next send of a frame refused in passing after `tries` sends: up to 1 s, doubled each time, at
 * most 8 s, drawn from the upper half of that (frames refused together do not come back together). */
const passingDelayMs = (tries: number): number => {
  const most = Math.min(8_000, 1_000 * 2 ** Math.max(0, tries - 1))
  return most / 2 + Math.random() * (most / 2)
}

const randomPrefix = (): string => {
  const bytes = new Uint8Array(6)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}

export class Outbox {
  private readonly prefix = randomPrefix()
  private seq = 0
  private readonly pending = new Map<string, Pending>()
  private readonly acked = new Map<string, Acked>()
  private readonly drainWaiters = new Set<() => void>()
  /** Frames `waiting` or `held` (none, the everyday case: nothing to look for). */
  private stalled = 0
  /** Set while the frames the server dropped wait to go again. */
  private droppedTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly options: OutboxOptions) {}

  private get maxTries(): number {
    return this.options.maxTries ?? DEFAULT_MAX_TRIES
  }

  /** Frames not acked yet. */
  get size(): number {
    return this.pending.size
  }

  /** Sends `frame` with a new id, after the earlier frames of `key` (held back while one waits to go again);
   * resolves once acked, refused, or given up (never rejects). */
  send(frame: Omit<OutgoingBotFrame, "id">, key?: string): Promise<SendResult> {
    this.seq += 1
    const seq = this.seq
    const id = `${this.prefix}-${seq}`
    const withId = { ...frame, id } as OutgoingBotFrame
    return new Promise<SendResult>((resolve) => {
      const pending: Pending = {
        seq,
        frame: withId,
        text: JSON.stringify(withId),
        key,
        state: "sent",
        overtook: false,
        tries: 0,
        timer: undefined,
        settle: (result) => {
          clearTimeout(pending.timer)
          this.pending.delete(id)
          this.mark(pending, "sent")
          if (result.ok) this.remember(id, { seq, frame: withId, key, overtook: pending.overtook })
          this.release(key)
          if (this.pending.size === 0) for (const wake of [...this.drainWaiters]) wake()
          resolve(result)
        },
      }
      this.pending.set(id, pending)
      if (this.behindWaiting(pending)) this.mark(pending, "held")
      else this.transmit(pending)
    })
  }

  ack(ref: string, streamId: string): void {
    this.pending.get(ref)?.settle({ ok: true, streamId })
  }

  /** An `error` frame; true when it answered a frame of this outbox. */
  refuse(detail: ErrorDetail): boolean {
    if (detail.ref === undefined) return false
    const error = new ClawbotError(detail)
    const pending = this.pending.get(detail.ref)
    if (pending) {
      if (PASSING.has(detail.code) && pending.tries < this.maxTries) {
        // Not accepted: the same frame (same id) goes again once the server had time to recover, or right after the
        // earlier frame of its key that waits too.
        clearTimeout(pending.timer)
        pending.timer = undefined
        if (this.behindWaiting(pending)) {
          this.mark(pending, "held")
          return true
        }
        this.mark(pending, "waiting")
        this.overtaken(pending)
        pending.timer = setTimeout(() => {
          this.transmit(pending)
          this.release(pending.key)
        }, passingDelayMs(pending.tries))
        return true
      }
      pending.settle({ ok: false, error })
      return true
    }
    const acked = this.acked.get(detail.ref)
    if (acked === undefined) return false
    if (acked.overtook && !PASSING.has(detail.code)) {
      this.acked.delete(detail.ref)
      this.again(acked)
    } else this.options.refusedLater(error, acked.frame)
    return true
  }

  /** The frames of `waiting`'s key sent after it, on their way or acked already (an append refused `unavailable` may be
   * answered after a later one's ack): each may have reached the server before it. */
  private overtaken(waiting: Pending): void {
    if (waiting.key === undefined) return
    for (const pending of this.pending.values())
      if (pending.key === waiting.key && pending.seq > waiting.seq && pending.state === "sent") pending.overtook = true
    for (const acked of this.acked.values()) if (acked.key === waiting.key && acked.seq > waiting.seq) acked.overtook = true
  }

  /** Sends an acked frame refused after overtaking an earlier frame of its key again, as a new frame behind that one;
   * a refusal of it then is the machine's verdict. */
  private again({ frame, key }: Acked): void {
    const { id: _, ...rest } = frame
    void this.send(rest as Omit<OutgoingBotFrame, "id">, key).then((result) => {
      if (!result.ok) this.options.refusedLater(result.error, frame)
    })
  }

  /** The socket is open again: every frame not acked goes out again, in order, with its id. */
  resend(): void {
    for (const pending of this.pending.values()) this.transmit(pending)
  }

  /** The server dropped this socket's frames over its frame rate (`rate_limited` without a `ref`): every frame not
   * acked goes again, with its id (applied once), a second later, once the rate has refilled, instead of after its
   * ack timeout and a reconnect. */
  dropped(): void {
    if (this.droppedTimer !== undefined) return
    this.droppedTimer = setTimeout(() => {
      this.droppedTimer = undefined
      this.resend()
    }, DROPPED_PAUSE_MS)
  }

  /** The socket was lost: no ack can come until it is back (then every frame goes again, in order: `resend`). */
  pause(): void {
    clearTimeout(this.droppedTimer)
    this.droppedTimer = undefined
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.timer = undefined
    }
  }

  /** Sets `pending`'s state, keeping the count of frames not sent. */
  private mark(pending: Pending, state: Pending["state"]): void {
    this.stalled += (state === "sent" ? 0 : 1) - (pending.state === "sent" ? 0 : 1)
    pending.state = state
  }

  /** Whether an earlier frame of `pending`'s key waits to go again, or is held itself. */
  private behindWaiting(pending: Pending): boolean {
    if (pending.key === undefined || this.stalled === 0) return false
    for (const earlier of this.pending.values()) {
      if (earlier === pending) return false
      if (earlier.key === pending.key && earlier.state !== "sent") return true
    }
    return false
  }

  /** Sends the held frames of `key` that no waiting frame of it precedes any more, in order. */
  private release(key: string | undefined): void {
    if (key === undefined || this.stalled === 0) return
    for (const pending of this.pending.values()) {
      if (pending.key !== key) continue
      if (pending.state === "waiting") return
      if (pending.state === "held") this.transmit(pending)
    }
  }

  /** Resolves when no frame awaits its ack, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.drainWaiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.drainWaiters.add(done)
    })
  }

  /** Gives up every frame not acked (the bot is closed). */
  abandon(reason: string): void {
    clearTimeout(this.droppedTimer)
    this.droppedTimer = undefined
    for (const pending of [...this.pending.values()]) {
      pending.settle({ ok: false, error: new ClawbotError({ code: "unavailable", message: reason, ref: pending.frame.id }) })
    }
  }

  private transmit(pending: Pending): void {
    clearTimeout(pending.timer)
    pending.timer = undefined
    this.mark(pending, "sent")
    if (!this.options.send(pending.text)) return
    pending.tries += 1
    pending.timer = setTimeout(() => {
      pending.timer = undefined
      if (pending.tries >= this.maxTries) {
        const message = `${pending.frame.type}: no ack after ${pending.tries} sends`
        pending.settle({ ok: false, error: new ClawbotError({ code: "unavailable", message, ref: pending.frame.id }) })
      } else this.options.late()
    }, this.options.ackTimeoutMs ?? 10_000)
  }

  private remember(id: string, acked: Acked): void {
    this.acked.set(id, acked)
    if (this.acked.size > REMEMBERED) {
      const oldest = this.acked.keys().next().value
      if (oldest !== undefined) this.acked.delete(oldest)
    }
  }
}
