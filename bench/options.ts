// Benchmark options: `--name value` (or `--name=value`) on the command line, else the
// environment variable BENCH_<NAME> (dashes as underscores), else a default: the full size
// (several minutes on a 2-core machine) or, with --smoke, a few hundred tasks per scenario.

export const SCENARIOS = ["lifecycle", "fleet", "sessions", "dispatch"] as const
export type Scenario = (typeof SCENARIOS)[number]

export interface BenchOptions {
  readonly smoke: boolean
  readonly only: ReadonlyArray<Scenario>
  /** lifecycle: tasks measured per system, and run first unmeasured (also the other scenarios' warm-up). */
  readonly tasks: number
  readonly warmup: number
  /** Agents (M) of max_concurrency C, in every scenario; BullMQ's workers get M×C. */
  readonly agents: number
  readonly concurrency: number
  /** fleet, sessions, dispatch: worker threads the SDK bots are spread over. */
  readonly botThreads: number
  /** lifecycle: `clawbot runtime` processes sharing the partitions; every scenario: inbox partitions. */
  readonly runtimes: number
  readonly partitions: number
  /** fleet: tasks per system. */
  readonly fleetTasks: number
  /** sessions: tasks per system and variant, and the two session sizes. */
  readonly sessionTasks: number
  readonly smallSession: number
  readonly bigSession: number
  /** dispatch: offered tasks per second, for how long, and for how long first, untimed (each side's warm-up). */
  readonly rate: number
  readonly seconds: number
  readonly warmSeconds: number
  /** dispatch: a second offered rate, one both sides carry, run for as long: the latency below saturation. */
  readonly lowRate: number
  /** Longest a side may take before it counts as not completed. */
  readonly timeoutS: number
  /** Times each scenario runs (both sides each time); with more than one, a summary gives each key figure's median. */
  readonly rounds: number
}

type Sized = Omit<BenchOptions, "smoke" | "only">

const FULL: Sized = {
  tasks: 5000,
  warmup: 500,
  agents: 64,
  concurrency: 4,
  botThreads: 4,
  runtimes: 1,
  partitions: 16,
  fleetTasks: 3000,
  sessionTasks: 5000,
  smallSession: 10,
  bigSession: 5000,
  rate: 1000,
  seconds: 10,
  warmSeconds: 3,
  lowRate: 100,
  timeoutS: 180,
  rounds: 1,
}

const SMOKE: Sized = {
  tasks: 300,
  warmup: 50,
  agents: 64,
  concurrency: 4,
  botThreads: 4,
  runtimes: 1,
  partitions: 16,
  fleetTasks: 300,
  sessionTasks: 200,
  smallSession: 10,
  bigSession: 200,
  rate: 1000,
  seconds: 0.3,
  warmSeconds: 0.1,
  lowRate: 100,
  timeoutS: 60,
  rounds: 1,
}

const flag = (argv: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === `--${name}`) return argv[i + 1]
    if (arg?.startsWith(`--${name}=`)) return arg.slice(name.length + 3)
  }
  return process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`]
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)

const number = (argv: ReadonlyArray<string>, name: keyof Sized, fallback: number): number => {
  const raw = flag(argv, kebab(name))
  if (raw === undefined) return fallback
  const value = Number(raw)
  const fractional = name === "seconds" || name === "warmSeconds"
  const zeroAllowed = name === "warmup" || name === "warmSeconds"
  if (!Number.isFinite(value) || (zeroAllowed ? value < 0 : value <= 0) || (!fractional && !Number.isInteger(value))) {
    const what = `${zeroAllowed ? "non-negative" : "positive"} ${fractional ? "number" : "integer"}`
    throw new RangeError(`--${kebab(name)}: expected a ${what}, got ${JSON.stringify(raw)}`)
  }
  return value
}

const scenarios = (raw: string | undefined): Scenario[] => {
  if (raw === undefined) return [...SCENARIOS]
  const names = raw.split(",").map((name) => name.trim())
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new RangeError(`--only: expected ${SCENARIOS.join(" | ")}, got ${JSON.stringify(name)}`)
  }
  return names as Scenario[]
}

export const parseOptions = (argv: ReadonlyArray<string>): BenchOptions => {
  const smoke = argv.includes("--smoke") || process.env["BENCH_SMOKE"] === "1"
  const base = smoke ? SMOKE : FULL
  const sized = Object.fromEntries(
    Object.entries(base).map(([name, value]) => [name, number(argv, name as keyof Sized, value)]),
  ) as unknown as Sized
  return { ...sized, bigSession: Math.min(sized.bigSession, sized.sessionTasks), smoke, only: scenarios(flag(argv, "only")) }
}

/** The sizes issue 7's targets are stated for: everything FULL sets but how often, how long, over how many threads, and
 * the dispatch's second rate (no target names it). */
const TARGET_SIZES = (Object.keys(FULL) as Array<keyof Sized>).filter(
  (name) => !["rounds", "timeoutS", "botThreads", "lowRate"].includes(name),
)

/** Whether the run has the full size of every scenario (the size issue 7's targets are stated for). */
export const atFullSize = (options: BenchOptions): boolean => TARGET_SIZES.every((name) => options[name] === FULL[name])

/** The options as one line, for the report's header. */
export const describeOptions = (options: BenchOptions): string =>
  `${options.smoke ? "smoke" : "full"} size: lifecycle ${options.tasks} tasks (+${options.warmup} warm-up), fleet ${options.fleetTasks}, ` +
  `sessions ${options.sessionTasks} as ${options.smallSession}- and ${options.bigSession}-task sessions, dispatch ${options.rate}/s and ${options.lowRate}/s for ${options.seconds} s after ${options.warmSeconds} s untimed; ` +
  `${options.agents} agents × ${options.concurrency} = ${options.agents * options.concurrency} slots, ${options.partitions} partitions, timeout ${options.timeoutS} s per side` +
  (options.rounds > 1 ? `; each scenario ${options.rounds} rounds` : "")
