// Clean shutdown on SIGINT/SIGTERM: runs the process's closers once, in order, then exits.
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"

export const onShutdown = (log: Logger, closers: ReadonlyArray<() => Promise<void>>): void => {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    log.info("shutting down", { signal })
    let code = 0
    for (const close of closers) {
      try {
        await close()
      } catch (error) {
        code = 1
        log.error("shutdown step failed", errorFields(error))
      }
    }
    process.exit(code)
  }
  process.once("SIGINT", () => void shutdown("SIGINT"))
  process.once("SIGTERM", () => void shutdown("SIGTERM"))
}
