// What every scenario gets: the options, the bench's own servers, the bench's Redis connection
// (sampling and observing; its commands are left out of the counts), the run's abort signal,
// and the measured-run loop: poll a count until it reaches the total, with the progress bar.
import { randomBytes } from "node:crypto"
import type { Redis } from "ioredis"
import type { BenchOptions } from "../options.ts"
import { epochMs } from "./clock.ts"
import { progress } from "./progress.ts"
import type { BenchServers } from "./servers.ts"

export interface Bench {
  readonly options: BenchOptions
  readonly servers: BenchServers
  readonly redis: Redis
  readonly signal: AbortSignal
  /** Where the deployment processes' logs go (kept until the next run). */
  readonly logDir: string
}

/** A fresh deployment prefix: a Redis key prefix and a Postgres schema name. */
export const freshPrefix = (tag: string): string => `${tag}_${randomBytes(4).toString("hex")}`

export interface Tracked {
  /** The count when the loop ended. */
  readonly done: number
  /** Epoch ms when the count reached the total, or when the loop gave up. */
  readonly endedAt: number
  readonly finished: boolean
  /** Why it gave up: the timeout, or a helper's failure. */
  readonly failure?: string
}

/** Polls `count` until it reaches `total`, a helper reports a failure, or `timeoutS` passed. */
export const track = async (
  bench: Bench,
  label: string,
  total: number,
  count: () => Promise<number>,
  failure: () => string | undefined = () => undefined,
  everyMs = 20,
): Promise<Tracked> => {
  const bar = progress(label, total)
  const deadline = Date.now() + bench.options.timeoutS * 1000
  try {
    for (;;) {
      bench.signal.throwIfAborted()
      const done = await count()
      bar.update(done)
      if (done >= total) return { done, endedAt: epochMs(), finished: true }
      const failed = failure()
      if (failed !== undefined) return { done, endedAt: epochMs(), finished: false, failure: failed }
      if (Date.now() > deadline)
        return { done, endedAt: epochMs(), finished: false, failure: `${done} of ${total} done after ${bench.options.timeoutS} s` }
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  } finally {
    bar.finish()
  }
}
