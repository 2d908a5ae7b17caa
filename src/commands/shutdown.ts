// Clean shutdown on SIGINT/SIGTERM: runs the process's closers once, newest first, then exits once its output is out. Each
// closer stops taking work and finishes what it holds (a runtime its batches in hand and its leases,
// an edge its sockets, closed with 1001). Should that hang (a server gone silent), the process
// exits anyway after SHUTDOWN_DEADLINE_MS. A signal during shutdown is ignored: Ctrl+C reaches both
// `npm` and this process, and npm passes it on, so one keypress can arrive twice.
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"

/** Long enough for `clawbot start` to stop the local servers it started (embedded Postgres takes a
 * while under load); a supervisor may send SIGKILL sooner (docker's default: after 10 s). */
export const SHUTDOWN_DEADLINE_MS = 60_000

/** Exits with `code` once what was written to stdout and stderr is out: a pipe's writes are asynchronous on POSIX, and
 * `process.exit` drops those still queued (the last log lines, "runtime stopped" among them, under a slow reader). */
export const exitFlushed = async (code: number): Promise<never> => {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write("", () => resolve()))))
  process.exit(code)
}

/** Puts the closer of something just started in front of those before it (the last started is closed first). */
export type Started = (close: () => Promise<void>) => void

/**
 * Runs a server command: `start` starts its parts, telling `started` each one's closer as it runs. The signal handlers
 * are in place before the first part starts, so a SIGINT/SIGTERM sent as soon as the process says it started (or while
 * it starts) is not met by Node's default, an exit that skips every closer: it waits for the start to settle (a start
 * is not cut in half), then runs the closers, newest first. Should a part fail to start, the ones started are closed
 * and the failure is thrown.
 */
export const runUntilSignalled = async (log: Logger, start: (started: Started) => Promise<void>): Promise<"running"> => {
  const closers: Array<() => Promise<void>> = []
  const starting = start((close) => closers.unshift(close)).catch(async (error: unknown) => {
    for (const close of closers.splice(0))
      await close().catch((failure: unknown) => log.error("stopping after a failed start", errorFields(failure)))
    throw error
  })
  onShutdown(log, closers, starting)
  await starting
  return "running"
}

const onShutdown = (log: Logger, closers: ReadonlyArray<() => Promise<void>>, starting: Promise<void>): void => {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    log.info("shutting down", { signal })
    setTimeout(() => {
      log.error("shutdown took too long; exiting", { afterMs: SHUTDOWN_DEADLINE_MS })
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    // A failed start has closed what it started, and the command reports it.
    await starting.catch(() => undefined)
    let code = 0
    for (const close of closers) {
      try {
        await close()
      } catch (error) {
        code = 1
        log.error("shutdown step failed", errorFields(error))
      }
    }
    await exitFlushed(code)
  }
  process.on("SIGINT", () => void shutdown("SIGINT"))
  process.on("SIGTERM", () => void shutdown("SIGTERM"))
}
