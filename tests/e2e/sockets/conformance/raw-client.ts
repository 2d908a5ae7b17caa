// A test WebSocket client (the plain `ws` package): every frame it receives, in order (parsed, and
// its text as received), waits for the next one matching a predicate, and reports how the socket
// closed or why it never opened.
// A wait ends with the frame, or fails when the socket closes without it: it has no deadline of its
// own (a loaded machine answers late, not never), so the test's own timeout bounds it.
import WebSocket from "ws"

export interface Frame {
  readonly type: string
  readonly id?: string
  readonly payload: Record<string, unknown>
  readonly timestamp?: string
  /** An event frame's position in the event stream (what `since` takes). */
  readonly cursor?: string
}

export interface Refusal {
  readonly status: number
  readonly body: unknown
}

export class TestClient {
  readonly frames: Frame[] = []
  /** The frames' text exactly as received, in the same order. */
  readonly texts: string[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  private readonly waiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void; fail: (why: string) => void }> = []
  /** How the socket closed, once it has. */
  private ended: string | undefined

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = String(data)
      const frame = JSON.parse(text) as Frame
      this.texts.push(text)
      this.frames.push(frame)
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1)
          waiter.resolve(frame)
        }
      }
    })
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.ended = `the socket closed (${code} ${String(reason)})`
        for (const waiter of this.waiters.splice(0)) waiter.fail(this.ended)
        resolve({ code, reason: String(reason) })
      }),
    )
  }

  /** Opens a socket; rejects with the HTTP refusal (status and body) when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers })
    const client = new TestClient(ws)
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client))
      ws.once("unexpected-response", (_request, response) => {
        let body = ""
        response.on("data", (chunk: Buffer) => (body += String(chunk)))
        response.on("end", () => {
          const refusal: Refusal = { status: response.statusCode ?? 0, body: body === "" ? undefined : JSON.parse(body) }
          reject(refusal)
        })
      })
      ws.once("error", (error) => reject(error))
    })
  }

  /**
   * The first frame matching `match` among those received from index `from` on, or still to come;
   * rejects when the socket closes first, or after `timeoutMs` when given (a long run that must not hang).
   */
  next(match: (frame: Frame) => boolean, { from = 0, timeoutMs }: { from?: number; timeoutMs?: number } = {}): Promise<Frame> {
    const seen = this.frames.slice(from).find(match)
    if (seen) return Promise.resolve(seen)
    const failure = (why: string) => {
      const last = this.frames.slice(-5).map((frame) => `${frame.type} ${String(frame.payload["id"] ?? frame.payload["ref"] ?? "")}`)
      return new Error(`no matching frame: ${why}; ${this.frames.length} received, the last: ${last.join(", ")}`)
    }
    if (this.ended !== undefined) return Promise.reject(failure(this.ended))
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters.splice(this.waiters.indexOf(waiter), 1)
              reject(failure(`none within ${timeoutMs} ms`))
            }, timeoutMs)
      const waiter = {
        match,
        resolve: (frame: Frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
        fail: (why: string) => {
          clearTimeout(timer)
          reject(failure(why))
        },
      }
      this.waiters.push(waiter)
    })
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame))
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close()
    return this.closed
  }
}

export const ofType = (type: string) => (frame: Frame) => frame.type === type
export const withRef = (type: string, ref: string) => (frame: Frame) => frame.type === type && frame.payload["ref"] === ref

/** The ids of the event frames received for `topic`, in order. */
export const receivedIds = (frames: ReadonlyArray<Frame>, topic: string): string[] =>
  frames.filter((frame) => frame.type === "event" && frame.payload["topic"] === topic).map((frame) => String(frame.payload["id"]))

let syncs = 0

/** Resolves once the server handled every frame `client` sent before: frames are handled in order,
 * so the answer to a frame it refuses (an unknown type) marks the point. */
export async function handled(client: TestClient): Promise<void> {
  const ref = `sync-${(syncs += 1)}`
  client.send({ type: "sync", id: ref, payload: {} })
  await client.next((frame) => frame.type === "error" && frame.payload["ref"] === ref)
}

/**
 * Opens a socket that answered one round trip. uWS 20.30 now and then drops a fresh socket right
 * after the 101 (docs/edge.md: uNetworking/uWebSockets#1928); a real client reconnects, and so does
 * this, at most `tries` times, for a test whose subject is not that drop.
 */
export async function openAnswering(url: string, tries = 3): Promise<TestClient> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await TestClient.open(url)
    try {
      await handled(client)
      return client
    } catch (error) {
      if (attempt >= tries) throw error
    }
  }
}
