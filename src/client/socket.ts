// A WebSocket that reconnects: backoff with jitter after each loss, a bound on how long a connect
// may take, and a stop on the refusals and closes that reconnecting cannot fix (an upgrade refused
// with a 4xx other than 408 and 429: a refused token or origin, bad topics, a quarantined agent;
// a revoked token, a newer socket of the same agent). The error it stops with is the server's own
// `{code, message, ref?}` and HTTP status when the WebSocket read the refusal's body (the Node
// entry's does), else the status's code. The bot and the subscriber build on it; it knows no frames.
import { backoffDelay, type BackoffOptions } from "./backoff.ts"
import { ClawbotError } from "./errors.ts"
import { codeOfStatus, isErrorBody } from "./http.ts"
import { messageText, OPEN, type WebSocketConstructor, type WebSocketLike } from "./transport.ts"

export interface SocketEvents {
  /** The socket opened (again). */
  open(): void
  message(text: string): void
  /** The socket was lost; `retryInMs` until the next try (undefined: the socket stopped for good). */
  lost(info: { code: number; reason: string; retryInMs: number | undefined }): void
  /** It stopped for good on its own (the close or the refusal reconnecting cannot fix). */
  stopped(error: ClawbotError): void
}

export interface ReconnectingSocketOptions {
  /** The URL of the next try (it may change: a resume cursor, new topics). */
  readonly url: () => string
  readonly WebSocket: WebSocketConstructor
  readonly backoff?: BackoffOptions
  /** How long a connect may take before it is dropped and tried again (default 10,000 ms). */
  readonly connectTimeoutMs?: number
}

/** Close codes after which a reconnect cannot succeed: the token was refused or revoked, or replaced. */
const FINAL_CLOSES: Readonly<Record<number, ClawbotError["code"]>> = {
  4401: "unauthorized",
  4403: "forbidden",
  4409: "conflict",
}

/** The HTTP status of a refused upgrade, where the WebSocket says it (the `ws` package does; browsers do not). */
const refusedStatus = (event: unknown): number | undefined => {
  const message = (event as { message?: unknown } | null)?.message
  const match = typeof message === "string" ? /Unexpected server response: (\d{3})/u.exec(message) : null
  return match ? Number(match[1]) : undefined
}

/**
 * A refused upgrade that trying again cannot change: every 4xx (a bad or revoked token, a forbidden origin,
 * bad topics, a quarantined agent's 409) but 408 and 429, which say "later".
 */
const isFinalRefusal = (status: number): boolean => status >= 400 && status < 500 && status !== 408 && status !== 429

/** The error of a final refusal: the server's own `{code, message, ref?}` when its body was read, else its status's. */
const refusalError = (status: number, body: string | undefined): ClawbotError => {
  let parsed: unknown
  try {
    parsed = body === undefined || body === "" ? undefined : JSON.parse(body)
  } catch {
    parsed = undefined
  }
  const detail = isErrorBody(parsed)
    ? parsed.error
    : { code: codeOfStatus(status), message: `socket: the upgrade was refused with HTTP ${status}` }
  return new ClawbotError({ ...detail, status })
}

export class ReconnectingSocket {
  private ws: WebSocketLike | undefined
  private tries = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private stoppedFor: ClawbotError | undefined
  private closing = false
  private immediate = false
  private closedWaiters: Array<() => void> = []

  constructor(
    private readonly options: ReconnectingSocketOptions,
    private readonly events: SocketEvents,
  ) {}

  get isOpen(): boolean {
    return this.ws?.readyState === OPEN
  }

  get stopped(): boolean {
    return this.closing || this.stoppedFor !== undefined
  }

  start(): void {
    if (this.stopped || this.ws !== undefined || this.timer !== undefined) return
    this.connect()
  }

  /** Sends `text` when open; false when not (the caller keeps it for after the reconnect). */
  send(text: string): boolean {
    if (!this.isOpen) return false
    this.ws?.send(text)
    return true
  }

  /** Drops the current socket and connects again at once (its URL read again). */
  reconnectNow(): void {
    if (this.stopped) return
    this.tries = 0
    const ws = this.ws
    this.immediate = ws !== undefined
    if (ws === undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
      this.connect()
      return
    }
    ws.close(1000, "reconnect")
  }

  /** Drops the connection as if it was lost (tests; a bot that saw its server hang). */
  drop(): void {
    this.ws?.close(4000, "dropped by the client")
  }

  /** Closes for good; resolves once the socket is closed. */
  close(code = 1000, reason = "bye"): Promise<void> {
    this.closing = true
    clearTimeout(this.timer)
    this.timer = undefined
    const ws = this.ws
    if (ws === undefined) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.closedWaiters.push(resolve)
      ws.close(code, reason)
    })
  }

  private connect(): void {
    this.timer = undefined
    let ws: WebSocketLike
    try {
      ws = new this.options.WebSocket(this.options.url())
    } catch (error) {
      this.stop(new ClawbotError({ code: "validation_failed", message: `cannot open the socket: ${String(error)}` }, { cause: error }))
      return
    }
    this.ws = ws
    /** The status of a refused upgrade, read from the error event (when the WebSocket keeps no `refusal`). */
    let refused: number | undefined
    const connectTimer = setTimeout(() => ws.close(4000, "connect timed out"), this.options.connectTimeoutMs ?? 10_000)
    ws.onopen = () => {
      clearTimeout(connectTimer)
      this.tries = 0
      this.events.open()
    }
    ws.onmessage = (event) => {
      const text = messageText(event)
      if (text !== undefined) this.events.message(text)
    }
    ws.onerror = (event) => {
      refused ??= refusedStatus(event)
    }
    ws.onclose = (event) => {
      clearTimeout(connectTimer)
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null
      this.ws = undefined
      if (this.closing) {
        for (const resolve of this.closedWaiters.splice(0)) resolve()
        return
      }
      const refusal = ws.refusal ?? (refused === undefined ? undefined : { status: refused, body: undefined })
      if (refusal !== undefined && isFinalRefusal(refusal.status)) {
        this.events.lost({ code: event.code, reason: event.reason, retryInMs: undefined })
        this.stop(refusalError(refusal.status, refusal.body))
        return
      }
      const finalCode = FINAL_CLOSES[event.code]
      if (finalCode !== undefined) {
        this.events.lost({ code: event.code, reason: event.reason, retryInMs: undefined })
        this.stop(new ClawbotError({ code: finalCode, message: `socket: closed with ${event.code} ${event.reason}`.trim() }))
        return
      }
      const delay = this.immediate ? 0 : backoffDelay(this.tries, this.options.backoff)
      this.immediate = false
      this.tries += 1
      this.events.lost({ code: event.code, reason: event.reason, retryInMs: delay })
      this.timer = setTimeout(() => this.connect(), delay)
    }
  }

  private stop(error: ClawbotError): void {
    this.stoppedFor = error
    this.events.stopped(error)
  }
}
