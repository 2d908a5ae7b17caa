// A Clawbot process of the deployment under test, started as a user starts it: `clawbot
// start|runtime` (node with the bin's shebang flags) with REDIS_URL, DATABASE_URL (through the counting proxy), a fresh
// CLAWBOT_PREFIX and, for `start`, a free --port. Its output goes to a log file in `logDir`
// (the run's bench/results/logs/), whose tail is shown when it fails to start. Stopped with SIGTERM, as an operator would.
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { open, readFile } from "node:fs/promises"
import { join } from "node:path"
import { loadConfig } from "../../src/config.ts"
import { DEFAULT_TUNING, tuningFor } from "../../src/runtime/runtime.ts"

export interface ClawbotProcess {
  readonly pid: number
  /** Why it is gone, when it exited before stop(). */
  failure(): string | undefined
  /** The last lines of its log. */
  logTail(): Promise<string>
  stop(): Promise<void>
}

export interface ClawbotEnv {
  readonly logDir: string
  readonly redisUrl: string
  readonly databaseUrl: string
  readonly prefix: string
  readonly partitions: number
  readonly operatorToken: string
  /** `start` only: the edge's port. */
  readonly port?: number
}

const BIN = new URL("../../bin/clawbot.js", import.meta.url).pathname
/** The node flags of the bin's shebang (`#!/usr/bin/env -S node <flags>`), which a user's `clawbot` runs with:
 * the bench starts node itself (to add profiling flags), so it passes them on. */
export const binNodeFlags = (bin = BIN): string[] => {
  const shebang = /^#!\/usr\/bin\/env -S node((?: --?[a-z][\w-]*(?:=\S+)?)*)\n/.exec(readFileSync(bin, "utf8"))
  if (!shebang) throw new Error(`${bin}: its first line is not \`#!/usr/bin/env -S node [flags]\``)
  return shebang[1]!.split(" ").filter((flag) => flag !== "")
}
/** BENCH_CPU_PROF=<dir>: every Clawbot process writes a V8 CPU profile there when it stops (`node --cpu-prof`);
 * BENCH_HEAP_PROF=<dir>: a sampled profile of everything it allocated, collected or not (allocation-profile.cjs:
 * what the collector had to go through); BENCH_NODE_FLAGS="<flags>": more node flags (e.g. `--trace-deopt`; the output goes to the log). */
const ALLOCATION_PROFILE = new URL("./allocation-profile.cjs", import.meta.url).pathname
const nodeFlags = (): string[] => [
  ...binNodeFlags(),
  ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  ...(process.env.BENCH_HEAP_PROF ? ["--require", ALLOCATION_PROFILE] : []),
  ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter((flag) => flag !== "") ?? []),
]
const STOP_TIMEOUT_MS = 15_000

/** How often the processes' runtimes publish their statistics: their keep-alive tick at the default lease TTL (5 s,
 * which the processes run with). A TTL of 1 s, set here once so that the end of a run was seen sooner, let a runtime
 * planning a 5,000-task session's creation (its event loop busy for up to 1.3 s at a time on a loaded host) lose its
 * own leases and take them back, restoring every actor from Postgres (docs/performance.md, round 31). */
export const STATISTICS_EVERY_MS = { ...DEFAULT_TUNING, ...tuningFor(loadConfig({}, {})) }.tickMs

export const startClawbot = async (command: "start" | "runtime", env: ClawbotEnv, index = 0): Promise<ClawbotProcess> => {
  const logPath = join(env.logDir, `${env.prefix}-${command}-${index}.log`)
  const log = await open(logPath, "w")
  const child = spawn(process.execPath, [...nodeFlags(), BIN, command, ...(env.port === undefined ? [] : ["--port", String(env.port)])], {
    stdio: ["ignore", log.fd, log.fd],
    env: {
      ...process.env,
      REDIS_URL: env.redisUrl,
      DATABASE_URL: env.databaseUrl,
      CLAWBOT_PREFIX: env.prefix,
      CLAWBOT_PARTITIONS: String(env.partitions),
      CLAWBOT_OPERATOR_TOKEN: env.operatorToken,
      // The load is the point: a generous request limit where the deployment reads one.
      CLAWBOT_RATE_LIMIT: "100000",
      LOG_LEVEL: "warn",
    },
  })
  await log.close()
  let stopping = false
  let failure: string | undefined
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.once("exit", (code, signal) => {
    if (!stopping) failure = `clawbot ${command} exited (${signal ?? `code ${code}`}); log: ${logPath}`
  })
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)
  return {
    pid: child.pid ?? 0,
    failure: () => failure,
    logTail: async () => (await readFile(logPath, "utf8").catch(() => "")).trimEnd().split("\n").slice(-15).join("\n"),
    stop: async () => {
      stopping = true
      process.off("exit", killOnExit)
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}
