// A steady offered load: `count` calls at `rate` a second, issued on schedule whether or not
// earlier ones have answered (an open loop, so a slow system sees the same offered rate).
import { setTimeout as sleep } from "node:timers/promises"

const TICK_MS = 2

/** Resolves once every call was issued and settled, with the failures' messages. */
export const paced = async (count: number, rate: number, signal: AbortSignal, call: (i: number) => Promise<unknown>): Promise<string[]> => {
  const errors: string[] = []
  const calls: Promise<unknown>[] = []
  const started = performance.now()
  while (calls.length < count) {
    signal.throwIfAborted()
    const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1)
    while (calls.length < due) calls.push(call(calls.length).catch((error: unknown) => errors.push(String(error))))
    await sleep(TICK_MS)
  }
  await Promise.all(calls)
  return errors
}
