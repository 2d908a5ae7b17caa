// `npm run bench`: measures Clawbot Coordinator against BullMQ on the same Redis in the same
// run and prints each system's figures and the ratio clawbot/bullmq. Options: bench/options.ts
// (e.g. `npm run bench -- --jobs 5000 --only lifecycle`); what is measured: bench/README.md.
import { cpus } from "node:os"
import { bullmqIngest, clawbotIngest } from "./ingest.ts"
import { bullmqLifecycle } from "./lifecycle-bullmq.ts"
import { clawbotLifecycle } from "./lifecycle-clawbot.ts"
import { parseOptions, type BenchOptions } from "./options.ts"
import { printComparison, summarize } from "./report.ts"

const lifecycle = async (options: BenchOptions) => {
  const slots = options.agents * options.concurrency
  console.log(`\n[lifecycle] ${options.jobs} jobs (+${options.warmup} warm-up), ${options.agents} agents × ${options.concurrency} = ${slots} slots, ${options.runtimes} runtime(s), ${options.partitions} partitions`)
  const clawbot = await clawbotLifecycle(options)
  const bullmq = await bullmqLifecycle(options)
  printComparison("durable job lifecycle: submit → worker takes it → complete", "jobs", summarize(clawbot), summarize(bullmq), "bullmq")
  const expected = options.jobs + options.warmup
  console.log(`  durable afterwards: clawbot ${clawbot.durable}/${expected} tasks completed in Postgres, bullmq ${bullmq.durable}/${expected} jobs in its completed set`)
  console.log(`  clawbot runtime: ${clawbot.entries} inbox entries in ${clawbot.batches} batches (${(clawbot.entries / clawbot.jobs).toFixed(1)} per job, ${(clawbot.entries / Math.max(1, clawbot.batches)).toFixed(1)} per batch)`)
  console.log("  Not like for like: per job Clawbot applies ~8 commands to two XState actors (task, agent), routes through")
  console.log("  Postgres, commits snapshots + transition history in Postgres and publishes events; BullMQ moves one job")
  console.log("  between Redis lists (durable only as far as Redis persistence is configured).")
}

const ingest = async (options: BenchOptions) => {
  console.log(`\n[ingest] ${options.appends} commands per system, ${options.window} calls in flight`)
  const clawbot = await clawbotIngest(options)
  const bullmq = await bullmqIngest(options)
  printComparison("raw command ingest: validated idempotent append vs Queue.add", "cmds", summarize(clawbot), summarize(bullmq), "bullmq")
}

const main = async () => {
  const options = parseOptions(process.argv.slice(2))
  console.log(`clawbot bench ${new Date().toISOString()}  node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`)
  console.log(`redis ${options.redisUrl}, postgres ${process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"}; Clawbot and BullMQ run in this one process`)
  if (options.only.includes("lifecycle")) await lifecycle(options)
  if (options.only.includes("ingest")) await ingest(options)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
