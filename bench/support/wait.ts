// Polling until a condition holds, bounded in time and stoppable by Ctrl-C (the run's signal).
import { setTimeout as sleep } from "node:timers/promises"

export const waitFor = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  signal: AbortSignal,
  everyMs = 25,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    signal.throwIfAborted()
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await sleep(everyMs)
  }
}
