// The HTTP core of the client: JSON in and out with the bearer token, error bodies turned into
// ClawbotError (code, message, ref, status), 429 retried after its `Retry-After` a bounded number
// of times, and a failure to reach the server reported as `unavailable` (status 0). Uses the
// platform's fetch (browsers, Node 18+), or the one given.
import { Schema } from "effect"
import { ErrorBody, type ErrorCode } from "../schema/errors.ts"
import { ClawbotError, unreachable } from "./errors.ts"
import { httpBase } from "./urls.ts"

export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{
  readonly status: number
  readonly headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export interface HttpOptions {
  /** `http://host:port` of the edge. */
  readonly url: string
  /** A bearer token (operator, viewer or agent); none for public reads. */
  readonly token?: string | undefined
  readonly fetch?: FetchLike | undefined
  /** How many times a 429 is retried after its Retry-After (default 3; 0 answers it at once). */
  readonly rateLimitRetries?: number | undefined
  /** The longest Retry-After honoured, in seconds (default 30); a longer one is answered as the error. */
  readonly maxRetryAfterS?: number | undefined
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export interface RequestOptions {
  readonly body?: unknown
  readonly query?: Query | undefined
  readonly signal?: AbortSignal | undefined
}

export type Requester = <T>(method: string, path: string, options?: RequestOptions) => Promise<T>

/** The code answered for a status when the body carries none (a front door's 405, 431, a proxy's 502). */
export const codeOfStatus = (status: number): ErrorCode => {
  if (status === 400 || status === 405) return "validation_failed"
  if (status === 401) return "unauthorized"
  if (status === 403) return "forbidden"
  if (status === 404) return "not_found"
  if (status === 409) return "conflict"
  if (status === 413 || status === 431) return "payload_too_large"
  if (status === 429) return "rate_limited"
  if (status === 503 || status === 502 || status === 504) return "unavailable"
  return "internal"
}

/** True for PROTOCOL's error body `{error: {code, message, ref?}}`. */
export const isErrorBody = Schema.is(ErrorBody)

const queryText = (query: Query | undefined): string => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value))
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer)
        resolve()
      },
      { once: true },
    )
  })

/** A request function for `options.url` (paths start with `/`, e.g. `/api/v1/tasks`). */
export function requester(options: HttpOptions): Requester {
  const base = httpBase(options.url)
  const doFetch: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike)
  const retries = options.rateLimitRetries ?? 3
  const maxWait = options.maxRetryAfterS ?? 30

  return async <T>(method: string, path: string, request: RequestOptions = {}): Promise<T> => {
    const headers: Record<string, string> = { accept: "application/json" }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const init: Parameters<FetchLike>[1] = { method, headers }
    if (request.body !== undefined) {
      headers["content-type"] = "application/json"
      init.body = JSON.stringify(request.body)
    }
    if (request.signal) init.signal = request.signal
    const target = `${base}${path}${queryText(request.query)}`
    for (let attempt = 0; ; attempt += 1) {
      let answer: Awaited<ReturnType<FetchLike>>
      let text: string
      try {
        answer = await doFetch(target, init)
        text = await answer.text()
      } catch (error) {
        throw unreachable(`${method} ${path}`, error)
      }
      const body: unknown = parseJson(text)
      if (answer.status < 400) return body as T
      const retryAfter = Number(answer.headers.get("retry-after") ?? Number.NaN)
      const retryAfterS = Number.isFinite(retryAfter) ? retryAfter : undefined
      if (answer.status === 429 && attempt < retries && (retryAfterS ?? 1) <= maxWait && !request.signal?.aborted) {
        await sleep((retryAfterS ?? 1) * 1000, request.signal)
        continue
      }
      const detail = isErrorBody(body)
        ? body.error
        : { code: codeOfStatus(answer.status), message: `${method} ${path}: HTTP ${answer.status}` }
      throw new ClawbotError({ ...detail, status: answer.status, retryAfterS })
    }
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
