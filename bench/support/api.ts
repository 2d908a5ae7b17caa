// The deployment's HTTP API as a client sees it: JSON in and out with the operator token. A 429
// is waited out (its Retry-After, else one second) and tried again, and counted: the report says
// when the rate limit shaped a run. A 503 (nothing was accepted: the edge's servers, or the process
// itself, did not answer in time) is tried again after half a second, as PROTOCOL tells clients to.
import { setTimeout as sleep } from "node:timers/promises"

export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

export interface Api {
  post(path: string, body: unknown): Promise<Answer>
  /** 429 answers waited out so far. */
  rateLimited(): number
  /** 503 answers tried again so far. */
  unavailable(): number
}

const MAX_TRIES = 30

export const httpApi = (baseUrl: string, token: string, signal: AbortSignal): Api => {
  let limited = 0
  let unavailable = 0
  return {
    rateLimited: () => limited,
    unavailable: () => unavailable,
    async post(path, body) {
      for (let attempt = 1; ; attempt++) {
        // Checked before each try rather than passed to fetch: thousands of requests in a run would each add an abort listener.
        signal.throwIfAborted()
        const response = await fetch(`${baseUrl}/api/v1${path}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        })
        const text = await response.text()
        if (response.status === 429 && attempt < MAX_TRIES) {
          limited += 1
          await sleep(Number(response.headers.get("retry-after") ?? 1) * 1000)
          continue
        }
        if (response.status === 503 && attempt < MAX_TRIES) {
          unavailable += 1
          await sleep(500)
          continue
        }
        return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) }
      }
    },
  }
}

/** The answer's body when its status is one of `expected`, else an error naming the request. */
export const expectStatus = (what: string, answer: Answer, ...expected: number[]): Record<string, unknown> => {
  if (!expected.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`)
  return answer.body
}
