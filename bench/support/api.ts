// The deployment's HTTP API as a client sees it: JSON in and out with the operator token. A 429
// is waited out (its Retry-After, else one second) and tried again, and counted: the report says
// when the rate limit shaped a run.
import { setTimeout as sleep } from "node:timers/promises"

export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

export interface Api {
  post(path: string, body: unknown): Promise<Answer>
  /** 429 answers waited out so far. */
  rateLimited(): number
}

const MAX_TRIES = 30

export const httpApi = (baseUrl: string, token: string, signal: AbortSignal): Api => {
  let limited = 0
  return {
    rateLimited: () => limited,
    async post(path, body) {
      for (let attempt = 1; ; attempt++) {
        // Checked before each try rather than passed to fetch: thousands of requests in a run would each add an abort listener.
        signal.throwIfAborted()
        const response = await fetch(`${baseUrl}/api/v1${path}`, {
          method: "POST", body: JSON.stringify(body),
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        })
        const text = await response.text()
        if (response.status === 429 && attempt < MAX_TRIES) {
          limited += 1
          await sleep(Number(response.headers.get("retry-after") ?? 1) * 1000)
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
