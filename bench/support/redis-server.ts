// The bench's own redis-server on a free loopback port, so that its INFO counters (commands,
// bytes in, CPU) count the bench's traffic alone. No persistence (the same for Clawbot and
// BullMQ), and a memory cap so a runaway scenario fails instead of exhausting the machine.
import { spawn } from "node:child_process"
import { setTimeout as sleep } from "node:timers/promises"
import { findFreePort } from "../../src/embedded/index.ts"
import { close, openRedis } from "../../src/redis/client.ts"

export interface BenchRedis {
  readonly url: string
  stop(): Promise<void>
}

const READY_TIMEOUT_MS = 15_000

export const startBenchRedis = async (dir: string, maxMemory: string): Promise<BenchRedis> => {
  const port = await findFreePort()
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory",
    maxMemory,
    "--maxmemory-policy",
    "noeviction",
    "--daemonize",
    "no",
    "--logfile",
    `${dir}/redis.log`,
  ]
  const child = spawn("redis-server", args, { stdio: "ignore" })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const killOnExit = () => child.kill("SIGKILL")
  process.once("exit", killOnExit)
  const stop = async () => {
    process.off("exit", killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    await exited
  }
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    try {
      const redis = await openRedis(url, { name: "bench-probe" })
      await close(redis)
      return { url, stop }
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop()
        throw new Error(`bench redis-server on port ${port} did not start: ${String(error)} (log: ${dir}/redis.log)`)
      }
      await sleep(50)
    }
  }
}
