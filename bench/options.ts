// Benchmark options: `--name value` (or `--name=value`) on the command line, else the
// environment variable BENCH_<NAME>, else a default sized to finish in about a minute on a
// 2-core machine. Connection URLs come from REDIS_URL / DATABASE_URL as everywhere else.

export const SCENARIOS = ["lifecycle", "ingest"] as const
export type Scenario = (typeof SCENARIOS)[number]

export interface BenchOptions {
  /** Lifecycle: jobs measured per system. */
  readonly jobs: number
  /** Lifecycle: jobs run through each system first, not measured (JIT, script cache, pools). */
  readonly warmup: number
  /** Lifecycle: Clawbot agents (M) and each one's max_concurrency (C); BullMQ runs M×C. */
  readonly agents: number
  readonly concurrency: number
  /** Lifecycle: in-process Clawbot runtimes sharing the partitions. */
  readonly runtimes: number
  readonly partitions: number
  /** Ingest: commands appended per system, and how many calls are in flight at once. */
  readonly appends: number
  readonly window: number
  readonly only: ReadonlyArray<Scenario>
  readonly redisUrl: string
}

const DEFAULTS = {
  jobs: 1000, warmup: 100, agents: 8, concurrency: 16, runtimes: 1, partitions: 16, appends: 20000, window: 256,
}

const flag = (argv: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === `--${name}`) return argv[i + 1]
    if (arg?.startsWith(`--${name}=`)) return arg.slice(name.length + 3)
  }
  return process.env[`BENCH_${name.toUpperCase()}`]
}

const count = (argv: ReadonlyArray<string>, name: keyof typeof DEFAULTS, minimum: number): number => {
  const raw = flag(argv, name)
  if (raw === undefined) return DEFAULTS[name]
  const value = Number(raw)
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`--${name}: expected an integer >= ${minimum}, got ${JSON.stringify(raw)}`)
  return value
}

const scenarios = (raw: string | undefined): Scenario[] => {
  if (raw === undefined) return [...SCENARIOS]
  const names = raw.split(",").map((name) => name.trim())
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new RangeError(`--only: expected ${SCENARIOS.join(" | ")}, got ${JSON.stringify(name)}`)
  }
  return names as Scenario[]
}

export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions => ({
  jobs: count(argv, "jobs", 1),
  warmup: count(argv, "warmup", 0),
  agents: count(argv, "agents", 1),
  concurrency: count(argv, "concurrency", 1),
  runtimes: count(argv, "runtimes", 1),
  partitions: count(argv, "partitions", 1),
  appends: count(argv, "appends", 1),
  window: count(argv, "window", 1),
  only: scenarios(flag(argv, "only")),
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
})
