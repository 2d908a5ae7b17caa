// How a failed command is told to the user: one or two plain lines (what failed, naming the server and
// its URL without password; then the fix), never a stack trace unless LOG_LEVEL=debug (or --log-level debug).
import { ConfigError } from "../config.ts"
import { MissingDependency, StartupFailure } from "../embedded/errors.ts"

/** True when the user asked for debug output, in the environment or on the command line. */
export const debugRequested = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): boolean =>
  env.LOG_LEVEL === "debug" ||
  argv.includes("--log-level=debug") ||
  argv.some((arg, at) => arg === "--log-level" && argv[at + 1] === "debug")

/** The lines printed on stderr for an error that ended a command. */
export const failureLines = (error: unknown, debug: boolean): string[] => {
  const plain =
    error instanceof ConfigError || error instanceof MissingDependency || error instanceof StartupFailure || error instanceof TypeError
  const message = error instanceof Error ? error.message : String(error)
  const lines = message.split("\n").map((line) => `clawbot: ${line}`)
  if (debug) return [...lines, ...stacks(error)]
  return plain ? lines : [...lines, "clawbot: (LOG_LEVEL=debug shows where it came from)"]
}

/** The stack of an error and of each of its causes. */
const stacks = (error: unknown): string[] => {
  const found: string[] = []
  for (let at: unknown = error; at instanceof Error; at = at.cause) found.push(at.stack ?? String(at))
  return found
}
