// Logging: JSON lines on stdout, filtered by LOG_LEVEL (debug, info, warn, error).

export type LogLevel = "debug" | "info" | "warn" | "error"
export type Logger = Record<LogLevel, (message: string, fields?: Record<string, unknown>) => void>

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export const createLogger = (
  level: LogLevel,
  bindings: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger => {
  const log =
    (at: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[at] < RANK[level]) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...bindings, ...fields })}\n`)
    }
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") }
}

/** An error as log fields: its message and, where there is one, its cause's. */
export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error
    ? { error: error.message, ...(error.cause === undefined ? {} : { cause: String((error.cause as Error).message ?? error.cause) }) }
    : { error: String(error) }
