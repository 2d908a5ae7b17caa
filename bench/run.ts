// `npm run bench`: measures Clawbot Coordinator against BullMQ, both on the bench's own Redis
// (and Postgres for Clawbot) in the same run, prints each scenario's figures, the ratio
// clawbot/bullmq and the cost per task, and writes the whole report to bench/results/latest.md.
// Exits non-zero when a scenario broke or did not complete (never because of a ratio).
// Options: bench/options.ts (`npm run bench -- --smoke`, `--only lifecycle`); bench/README.md.
import { mkdir, rm, writeFile } from "node:fs/promises"
import { cpus } from "node:os"
import { close, openRedis } from "../src/redis/client.ts"
import { dispatch } from "./dispatch.ts"
import { fleet } from "./fleet.ts"
import { lifecycle } from "./lifecycle.ts"
import { atFullSize, describeOptions, parseOptions, type Scenario } from "./options.ts"
import { renderMarkdown, renderText, type ScenarioReport } from "./report.ts"
import { roundReport, roundsSummary } from "./rounds.ts"
import { targetsReport } from "./targets.ts"
import type { Bench } from "./support/bench.ts"
import { startBenchServers } from "./support/servers.ts"
import { sessions } from "./sessions.ts"

const SCENARIO: Record<Scenario, (bench: Bench) => Promise<ScenarioReport>> = { lifecycle, fleet, sessions, dispatch }
const RESULTS = new URL("./results/latest.md", import.meta.url)
/** The deployment processes' logs of the last run (git ignores *.log). */
const LOGS = new URL("./results/logs/", import.meta.url)
/** The bench's redis-server may hold at most this much: a runaway scenario fails rather than exhaust the machine. */
const REDIS_MAX_MEMORY = "4gb"

const broken = (name: string, error: unknown): ScenarioReport => ({
  name,
  headline: "did not run to the end",
  tables: [],
  notes: [],
  failures: [error instanceof Error ? (error.stack ?? error.message) : String(error)],
  figures: [],
})

const printReport = (report: ScenarioReport) => {
  console.log(`\n[${report.name}] ${report.headline}`)
  for (const table of report.tables) console.log(`\n${renderText(table)}`)
  for (const note of report.notes) console.log(`  ${note}`)
  for (const failure of report.failures) console.log(`  FAILED: ${failure}`)
}

const markdown = (header: ReadonlyArray<string>, reports: ReadonlyArray<ScenarioReport>, seconds: number): string =>
  [
    "# Latest bench run",
    "",
    "Written by `npm run bench` at the end of each run (see bench/README.md for what is measured).",
    "",
    ...header.map((line) => `- ${line}`),
    `- run time: ${seconds.toFixed(0)} s`,
    ...reports.flatMap((report) => [
      "",
      `## ${report.name}`,
      "",
      report.headline,
      ...report.tables.flatMap((table) => ["", renderMarkdown(table)]),
      ...(report.notes.length > 0 ? ["", ...report.notes.map((note) => `- ${note}`)] : []),
      ...(report.failures.length > 0 ? ["", ...report.failures.map((failure) => `- **FAILED**: ${failure.split("\n")[0]}`)] : []),
    ]),
    "",
  ].join("\n")

const main = async () => {
  const started = Date.now()
  const options = parseOptions(process.argv.slice(2))
  // Ctrl-C ends the scenario under way, and the servers and processes are still stopped.
  const interrupted = new AbortController()
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the scenario, its processes and the bench's servers`)
      interrupted.abort(new Error(`interrupted by ${signal}`))
    })
  }
  process.stdout.on("error", () => undefined)
  const header = [
    `clawbot bench ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
    describeOptions(options),
    "servers: the bench's own redis-server (no persistence) and Postgres cluster, started for this run; Postgres through a counting proxy",
  ]
  for (const line of header) console.log(line)
  await rm(LOGS, { recursive: true, force: true })
  await mkdir(LOGS, { recursive: true })
  const servers = await startBenchServers(REDIS_MAX_MEMORY)
  const reports: ScenarioReport[] = []
  const ran: Scenario[] = []
  const failed: Scenario[] = []
  /** Each scenario's last word: its one report, or its rounds' summary. */
  const judged: ScenarioReport[] = []
  try {
    const redis = await openRedis(servers.redisUrl, { name: "bench-sampler" })
    const bench: Bench = { options, servers, redis, signal: interrupted.signal, logDir: LOGS.pathname }
    try {
      for (const name of options.only) {
        ran.push(name)
        const rounds: ScenarioReport[] = []
        for (let round = 1; round <= options.rounds && !interrupted.signal.aborted; round++) {
          const report = await SCENARIO[name](bench).catch((error: unknown) => broken(name, error))
          const named = options.rounds === 1 ? report : roundReport(report, round, options.rounds)
          rounds.push(named)
          printReport(named)
        }
        reports.push(...rounds)
        if (rounds.length > 1) {
          const summary = roundsSummary(name, rounds)
          reports.push(summary)
          printReport(summary)
          judged.push(summary)
        } else judged.push(...rounds)
        if (rounds.some((report) => report.failures.length > 0)) failed.push(name)
        if (interrupted.signal.aborted) break
      }
    } finally {
      await close(redis)
    }
    const targets = targetsReport(judged, { full: atFullSize(options), bigSession: options.bigSession })
    if (targets !== undefined) {
      reports.push(targets)
      printReport(targets)
    }
  } finally {
    await servers.stop()
  }
  const seconds = (Date.now() - started) / 1000
  await writeFile(RESULTS, markdown(header, reports, seconds))
  console.log(
    `\n${ran.length} scenarios in ${seconds.toFixed(0)} s; ${failed.length === 0 ? "all completed" : `FAILED: ${failed.join(", ")}`}; report in bench/results/latest.md`,
  )
  if (failed.length > 0) process.exitCode = 1
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
