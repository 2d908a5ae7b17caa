// Runs a private redis-server child (loopback only, AOF persistence under dataDir) for `clawbot start` without REDIS_URL.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdir, open, readFile } from "node:fs/promises"
import { connect } from "node:net"
import { join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { MissingDependency } from "./errors.ts"
import { findFreePort } from "./free-port.ts"
import type { EmbeddedServer, EmbeddedServerOptions } from "./types.ts"

export const REDIS_SERVER_MISSING =
  "redis-server not found on PATH: install Redis 7 (Debian: apt-get install redis-server) or set REDIS_URL=redis://host:6379"

const READY_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 15_000
const PING_INTERVAL_MS = 50
const LOG_TAIL_LINES = 20

type ChildEnd = { readonly error: NodeJS.ErrnoException } | { readonly code: number | null; readonly signal: string | null }

interface ExitWatch {
  readonly ended: Promise<ChildEnd>
  current(): ChildEnd | undefined
}

/** Starts redis-server on 127.0.0.1 and resolves once it answers PING; its log goes to `<dataDir>/redis.log`. */
export async function startRedisServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  const port = options.port ?? (await findFreePort())
  const logPath = join(dataDir, "redis.log")
  const { child, exit } = await spawnRedis(port, dataDir, logPath)
  // A last-resort kill so the server never outlives this process when stop() was not called.
  const killOnExit = () => child.kill("SIGTERM")
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
  if (early === undefined) {
    throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS / 1000} s; ${await logTail(logPath)}`)
  }
  if ("error" in early && early.error.code === "ENOENT") throw new MissingDependency("redis-server", REDIS_SERVER_MISSING)
  throw new Error(`redis-server on port ${port} exited during startup (${describe(early)}); ${await logTail(logPath)}`)
}

/** Tracks how a child ended: a failed spawn (`error`) or an exit. */
function watchExit(child: ChildProcess): ExitWatch {
  let end: ChildEnd | undefined
  const ended = new Promise<ChildEnd>((settle) => {
    child.once("error", (error) => settle((end ??= { error })))
    child.once("exit", (code, signal) => settle((end ??= { code, signal })))
  })
  return { ended, current: () => end }
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

function describe(end: ChildEnd): string {
  if ("error" in end) return end.error.message
  return end.signal !== null ? `killed by ${end.signal}` : `exit code ${end.code}`
}

async function logTail(logPath: string): Promise<string> {
  const text = await readFile(logPath, "utf8").catch(() => "")
  const lines = text.trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n")
  return lines === "" ? `log ${logPath} is empty` : `last lines of ${logPath}:\n${lines}`
}
