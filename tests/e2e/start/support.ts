// Runs the real `clawbot start` (the compiled bin/clawbot.js) as a child, as a user would, and reads what it
// prints: the lines so far, a wait for a line, its exit. Only the variables a test gives reach it (no REDIS_URL,
// DATABASE_URL, ... of the test run).
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { waitFor } from "../../support/runtime.ts"

export const ROOT = join(import.meta.dirname, "../../..")
export const BIN = join(ROOT, "bin/clawbot.js")
const UNSET = [
  "REDIS_URL",
  "DATABASE_URL",
  "CLAWBOT_OPERATOR_TOKEN",
  "PORT",
  "HOST",
  "CLAWBOT_PREFIX",
  "CLAWBOT_DATA_DIR",
  "UWS_USE_FALLBACK",
  "LOG_LEVEL",
]

export const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const name of UNSET) delete env[name]
  return { ...env, ...extra }
}

export interface Run {
  readonly child: ChildProcess
  readonly stdout: string[]
  stderr(): string
  /** Resolves with the first line (stdout) matching, or fails with everything printed if the process exits first. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
}

/** Spawns `command args` (default: node bin/clawbot.js start args) and collects its output. */
export const run = (args: string[], options: { env?: Record<string, string>; cwd?: string; command?: string[] } = {}): Run => {
  const [file, ...before] = options.command ?? [process.execPath, BIN]
  const child = spawn(file!, [...before, ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  })
  const stdout: string[] = []
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => stdout.push(line))
  const exited = once(child, "exit").then(([code]) => code as number | null)
  let ended = false
  void exited.then(() => (ended = true))
  return {
    child,
    stdout,
    stderr: () => stderr,
    exited,
    line: async (pattern, timeoutMs = 90_000) => {
      const found = await waitFor(
        `a line matching ${pattern}`,
        async () => stdout.map((line) => pattern.exec(line)).find((match) => match !== null) ?? (ended ? ("exited" as const) : undefined),
        timeoutMs,
      )
      if (found === "exited") throw new Error(`exited before printing a line matching ${pattern}:\n${stdout.join("\n")}\n${stderr}`)
      return found
    },
  }
}

/** Sends SIGTERM and answers the exit code. */
export const terminate = async (started: Run): Promise<number | null> => {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill("SIGTERM")
  return started.exited
}

/** The pid in a data folder's lock file, once written. */
export const lockHolder = (dataDir: string): Promise<number> =>
  waitFor(
    "the data folder's lock",
    async () => {
      const pid = Number.parseInt(await readFile(join(dataDir, "clawbot.pid"), "utf8").catch(() => ""), 10)
      return Number.isInteger(pid) ? pid : undefined
    },
    30_000,
  )

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
