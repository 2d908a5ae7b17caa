// Preloaded into each Clawbot process when BENCH_HEAP_PROF=<dir> is set (clawbot-process.ts): samples every
// allocation, those the collector has since freed included (what `node --heap-prof` leaves out: it keeps the live
// ones), and writes <dir>/<pid>.heapprofile when the process is told to stop or exits. Read it in Chrome DevTools
// (Memory, load profile) or by summing each node's selfSize by its callFrame.
const { Session } = require("node:inspector")
const { writeFileSync } = require("node:fs")
const { join } = require("node:path")

const dir = process.env.BENCH_HEAP_PROF
if (dir) {
  const session = new Session()
  session.connect()
  session.post("HeapProfiler.startSampling", {
    samplingInterval: 32_768,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  let written = false
  const write = () => {
    if (written) return
    written = true
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (error) process.stderr.write(`allocation profile not written: ${error.message}\n`)
      else writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify(result.profile))
    })
  }
  process.prependListener("SIGTERM", write)
  process.prependListener("SIGINT", write)
  process.on("exit", write)
}
