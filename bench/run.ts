// `npm run bench`: measures Clawbot Coordinator against BullMQ on the same Redis in the same
// run and prints each system's figures and the ratio clawbot/bullmq. Options: bench/options.ts
// (e.g. `npm run bench -- --jobs 5000 --only lifecycle`); what is measured: bench/README.md.
import { cpus } from "node:os"
import { bullmqIngest, clawbotIngest } from "./ingest.ts"
import { bullmqLifecycle } from "./lifecycle-bullmq.ts"
import { clawbotLifecycle } from "./lifecycle-clawbot.ts"
import { parseOptions, type BenchOptions } from "./options.ts"
import { printComparison, summarize } from "./report.ts"

/** Inbox entries one standalone task needs: task CREATE, ASSIGN, START, COMPLETE; agent RESERVE, RELEASE. */
const MIN_ENTRIES = 6

const lifecycle = async (options: BenchOptions, signal: AbortSignal) => {
  const slots = options.agents * options.concurrency
  console.log(`\n[lifecycle] ${options.jobs} jobs (+${options.warmup} warm-up), ${options.agents} agents × ${options.concurrency} = ${slots} slots, ${options.runtimes} runtime(s), ${options.partitions} partitions`)
  const clawbot = await clawbotLifecycle(options, signal)
  const bullmq = await bullmqLifecycle(options, signal)
  printComparison("durable job lifecycle: submit → worker takes it → complete", "jobs", summarize(clawbot), summarize(bullmq), "bullmq")
  const expected = options.jobs + options.warmup
  console.log(`  durable afterwards: clawbot ${clawbot.durable}/${expected} tasks completed in Postgres, bullmq ${bullmq.durable}/${expected} jobs in its completed set`)
  const perJob = clawbot.entries / clawbot.jobs
  console.log(`  clawbot runtime: ${clawbot.entries} inbox entries in ${clawbot.batches} batches: ${perJob.toFixed(1)} per job (a task needs ${MIN_ENTRIES}), ${(clawbot.entries / Math.max(1, clawbot.batches)).toFixed(1)} per batch`)
  console.log(`  Not like for like: per job Clawbot applies at least ${MIN_ENTRIES} commands to two XState actors (task CREATE, ASSIGN,`)
  console.log("  START, COMPLETE; agent RESERVE, RELEASE), routes with Postgres queries, commits snapshots and transition")
  console.log("  history to Postgres and publishes events; BullMQ moves one job hash between Redis lists (durable only as far")
  console.log("  as Redis persistence is configured).")
}

const ingest = async (options: BenchOptions) => {
  console.log(`\n[ingest] ${options.appends} commands per system, ${options.window} calls in flight`)
  const clawbot = await clawbotIngest(options)
  const bullmq = await bullmqIngest(options)
  printComparison("raw command ingest: validated idempotent append vs Queue.add", "cmds", summarize(clawbot), summarize(bullmq), "bullmq")
}

const main = async () => {
  const options = parseOptions(process.argv.slice(2))
  // Ctrl-C ends the wait for completions, so every scenario still removes its keys and schema;
  // output piped into e.g. `head` must not kill the run before that either.
  const interrupted = new AbortController()
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping, removing the benchmark's keys and schema`)
      interrupted.abort(new Error(`interrupted by ${signal}`))
    })
  }
  process.stdout.on("error", () => undefined)
  console.log(`clawbot bench ${new Date().toISOString()}  node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`)
  console.log(`redis ${options.redisUrl}, postgres ${process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"}; Clawbot and BullMQ run in this one process`)
  if (options.only.includes("lifecycle")) await lifecycle(options, interrupted.signal)
  if (options.only.includes("ingest")) await ingest(options)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
