// Chaos support: one real `clawbot runtime` child process. Its JSON log lines on stdout tell
// when it started (and its member id) and which partitions it acquired; warnings and errors
// are kept so a test can report what the crashes made the runtime go through.
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { createWriteStream, mkdirSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const REPO = fileURLToPath(new URL("../../", import.meta.url))

export interface LogLine {
  readonly time: string
  readonly level: string
  readonly msg: string
  readonly [field: string]: unknown
}

export class RuntimeProcess {
  readonly child: ChildProcess
  /** Resolves with the member id once the runtime logged "runtime started". */
  readonly started: Promise<string>
  /** Resolves with its exit code (null when a signal ended it; `signal` then names it). */
  readonly exited: Promise<number | null>
  signal: NodeJS.Signals | null = null
  /** Warnings and errors it logged, plus anything on stderr. */
  readonly problems: LogLine[] = []
  /** What it logged about its partitions and itself (`partition acquired`, `partition released`, `runtime stopped`, ...). */
  readonly lifecycle: LogLine[] = []
  /** Its last lines, stdout and stderr alike, to show when a test fails. */
  readonly tail: string[] = []
  member: string | undefined
  killed = false
  /** Set when `stop` sent SIGKILL because it had not exited within the grace period. */
  killedAfterGrace = false

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ["bin/clawbot.js", "runtime"], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] })
    // "close", not "exit": it comes once its stdout and stderr are read to the end, so every line it logged is seen.
    this.exited = once(this.child, "close").then(([code, signal]) => {
      this.signal = signal as NodeJS.Signals | null
      return code as number | null
    })
    let resolveStarted: (member: string) => void = () => undefined
    let rejectStarted: (error: Error) => void = () => undefined
    this.started = new Promise((resolve, reject) => {
      resolveStarted = resolve
      rejectStarted = reject
    })
    this.started.catch(() => undefined)
    void this.exited.then((code) => rejectStarted(new Error(`${name} exited (${code}) before it started`)))
    // CHAOS_LOG_DIR=<dir> keeps every process's whole log there, for investigating a failure.
    const logDir = process.env.CHAOS_LOG_DIR
    if (logDir) {
      mkdirSync(logDir, { recursive: true })
      const file = createWriteStream(join(logDir, `${name}.log`))
      this.child.stdout!.pipe(file)
      this.child.stderr!.pipe(file)
    }
    createInterface({ input: this.child.stdout! }).on("line", (text) => {
      this.keep(text)
      const line = parse(text)
      if (line.msg === "runtime started" && typeof line["member"] === "string") {
        this.member = line["member"]
        resolveStarted(line["member"])
      }
      if (line.level === "warn" || line.level === "error") this.problems.push(line)
      else if (line.msg.startsWith("partition ") || line.msg.startsWith("runtime ")) this.lifecycle.push(line)
    })
    createInterface({ input: this.child.stderr! }).on("line", (text) => {
      this.keep(text)
      this.problems.push({ time: new Date().toISOString(), level: "stderr", msg: text })
    })
  }

  private keep(text: string): void {
    this.tail.push(text)
    if (this.tail.length > TAIL_LINES) this.tail.shift()
  }

  /** How it ended and what it said last, for a failed assertion's message. */
  describe(): string {
    const end = this.killedAfterGrace ? "SIGKILLed after the grace period" : `exit ${this.child.exitCode} signal ${this.signal}`
    return `${this.name} (${end}); its last lines:\n${this.tail.join("\n")}`
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** SIGKILL: no shutdown step runs; its leases and pending entries are left behind. */
  crash(): void {
    this.killed = true
    this.child.kill("SIGKILL")
  }

  /** SIGSTOP: it holds its leases, connections and batch in hand without running; its leases lapse. */
  pause(): void {
    this.child.kill("SIGSTOP")
  }

  /** SIGCONT: it wakes up as a former owner, unaware of what happened meanwhile. */
  resume(): void {
    this.child.kill("SIGCONT")
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return
    this.child.kill("SIGTERM")
    const timer = setTimeout(() => {
      this.killedAfterGrace = true
      this.child.kill("SIGKILL")
    }, graceMs)
    await this.exited
    clearTimeout(timer)
  }
}

const TAIL_LINES = 60

const parse = (text: string): LogLine => {
  try {
    const value = JSON.parse(text) as unknown
    if (value && typeof value === "object" && "msg" in value) return value as LogLine
  } catch {
    // not a JSON log line
  }
  return { time: new Date().toISOString(), level: "stdout", msg: text }
}
