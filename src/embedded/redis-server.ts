// Runs a private redis-server child (loopback only, AOF persistence under dataDir) for `clawbot start`
// without REDIS_URL. A redis-server left running on the same folder by a crashed start is stopped first.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdir, open, readdir, readFile, readlink, realpath } from "node:fs/promises"
import { connect } from "node:net"
import { join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describeEnd, type ExitWatch, lastLogLine, stopPid, watchExit } from "./child.ts"
import { MissingDependency, StartupFailure } from "./errors.ts"
import { findFreePort } from "./free-port.ts"
import type { EmbeddedServer, EmbeddedServerOptions } from "./types.ts"

export const REDIS_SERVER_MISSING =
  "redis-server not found on PATH: install Redis 7 (Debian: apt-get install redis-server) or set REDIS_URL=redis://host:6379"

const READY_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 15_000
const PING_INTERVAL_MS = 50

/** Starts redis-server on 127.0.0.1 and resolves once it answers PING; its log goes to `<dataDir>/redis.log`. */
export async function startRedisServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  await stopStaleRedis(dataDir)
  const port = options.port ?? (await findFreePort())
  const logPath = join(dataDir, "redis.log")
  const { child, exit } = await spawnRedis(port, dataDir, logPath)
  // A last-resort kill so the server never outlives this process when stop() was not called.
  const killOnExit = () => void child.kill("SIGTERM")
  process.once("exit", killOnExit)

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      process.off("exit", killOnExit)
      if (exit.current() !== undefined) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
      await exit.ended
      clearTimeout(timer)
    })())

  let deadline = Date.now() + READY_TIMEOUT_MS
  while (exit.current() === undefined && Date.now() < deadline) {
    const reply = await pingReply(port)
    if (reply.startsWith("+PONG")) return { url: `redis://127.0.0.1:${port}`, stop }
    // Still loading a large AOF is progress, not a hang.
    if (reply.startsWith("-LOADING")) deadline = Date.now() + READY_TIMEOUT_MS
    await sleep(PING_INTERVAL_MS)
  }
  const early = exit.current()
  await stop()
  if (early !== undefined && "error" in early && early.error.code === "ENOENT")
    throw new MissingDependency("redis-server", REDIS_SERVER_MISSING)
  const what =
    early === undefined ? `did not answer PING within ${READY_TIMEOUT_MS / 1000} s` : `exited during start-up (${describeEnd(early)})`
  throw new StartupFailure(
    `embedded redis-server on port ${port} ${what}${await lastLogLine(logPath)}`,
    `read ${logPath}; or set REDIS_URL to a Redis of yours`,
  )
}

/** Spawns redis-server in its own process group (so a terminal Ctrl+C reaches only the coordinator, which stops it in order). */
async function spawnRedis(port: number, dataDir: string, logPath: string): Promise<{ child: ChildProcess; exit: ExitWatch }> {
  const log = await open(logPath, "a")
  try {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDir, "--appendonly", "yes", "--daemonize", "no"]
    const child = spawn("redis-server", args, { stdio: ["ignore", log.fd, log.fd], detached: true })
    // Watch before any await: a failed spawn reports 'error' on the next tick.
    return { child, exit: watchExit(child) }
  } finally {
    await log.close()
  }
}

/**
 * A redis-server still serving this folder was started by a start that crashed (this one holds the folder's lock):
 * stop it. redis-server rewrites its command line, so it is found by name and working directory (its --dir).
 */
async function stopStaleRedis(dataDir: string): Promise<void> {
  const real = await realpath(dataDir)
  const entries = await readdir("/proc").catch(() => [] as string[])
  for (const entry of entries) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const name = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")
    if (!name.startsWith("redis-server")) continue
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => "")
    if (cwd === real) await stopPid(pid, "SIGTERM", STOP_TIMEOUT_MS)
  }
}

/** The first reply line to PING on a fresh connection (`+PONG`, or `-LOADING …` while the AOF loads); "" when unreachable. */
function pingReply(port: number): Promise<string> {
  return new Promise((settle) => {
    const socket = connect({ port, host: "127.0.0.1" })
    let reply = ""
    const finish = (line: string) => {
      socket.destroy()
      settle(line)
    }
    socket.setTimeout(1_000, () => finish(""))
    socket.once("error", () => finish(""))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8")
      const end = reply.indexOf("\r\n")
      if (end >= 0) finish(reply.slice(0, end))
    })
  })
}
