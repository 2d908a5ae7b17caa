import { it } from "vitest"
import { clawbotLifecycle } from "../bench/lifecycle-clawbot.ts"
import { bullmqLifecycle } from "../bench/lifecycle-bullmq.ts"
import { parseOptions } from "../bench/options.ts"
import { summarize } from "../bench/report.ts"
it("bench", async () => {
  const options = parseOptions(["--jobs", process.env.JOBS ?? "3000"])
  const signal = new AbortController().signal
  const c = await clawbotLifecycle(options, signal)
  const s = summarize(c) as any
  console.log("CLAWBOT", JSON.stringify({ ...s, batches: c.batches, entries: c.entries, durable: c.durable }))
  if (process.env.PEER) { const b = await bullmqLifecycle(options, signal); console.log("BULLMQ", JSON.stringify(summarize(b))) }
}, 600_000)
