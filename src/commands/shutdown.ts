// Clean shutdown on SIGINT/SIGTERM: runs the process's closers once, in order, then exits once its output is out. Each
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

export const onShutdown = (log: Logger, closers: ReadonlyArray<() => Promise<void>>): void => {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    log.info("shutting down", { signal })
    setTimeout(() => {
      log.error("shutdown took too long; exiting", { afterMs: SHUTDOWN_DEADLINE_MS })
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
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
