// Test support: an append function that records each command it is given and how its append ended
// (the entry, or the error), so a test can wait for Redis's answer to an append the edge stopped
// waiting for (a 503 after a hung Redis) and see what it was.
import type { AppendFn, AppendInput } from "../../src/runtime/append.ts"

export interface TrackedAppend {
  readonly append: AppendFn
  /** Forgets the appends recorded so far. */
  reset(): void
  /** Each append recorded since the last reset with how it ended, once every one has. */
  settled(): Promise<Array<{ readonly command: AppendInput; readonly outcome: unknown }>>
}

export const trackAppends = (inner: AppendFn): TrackedAppend => {
  let sent: Array<{ command: AppendInput; outcome: Promise<unknown> }> = []
  return {
    append: (command) => {
      const appending = inner(command)
      sent.push({
        command,
        outcome: appending.then(
          (appended) => appended,
          (error: unknown) => error,
        ),
      })
      return appending
    },
    reset: () => {
      sent = []
    },
    settled: () => Promise.all(sent.map(async ({ command, outcome }) => ({ command, outcome: await outcome }))),
  }
}
