// Chaos support: one real `clawbot edge` child process on a free port; its URL is read from the
// line it prints once it serves.
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const REPO = fileURLToPath(new URL("../../", import.meta.url))

export class EdgeProcess {
  readonly child: ChildProcess
  /** `http://127.0.0.1:<port>` once it serves. */
  readonly url: Promise<string>
  readonly exited: Promise<number | null>
  readonly output: string[] = []

  constructor(
    readonly name: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ["bin/clawbot.js", "edge", "--port", "0", "--log-level", "warn"], {
      cwd: REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    })
    // "close", not "exit": it comes once its stdout and stderr are read to the end, so every line it logged is seen.
    this.exited = once(this.child, "close").then(([code]) => code as number | null)
    this.url = new Promise((resolve, reject) => {
      void this.exited.then((code) => reject(new Error(`${name} exited (${code}) before it served: ${this.output.join("\n")}`)))
      createInterface({ input: this.child.stdout! }).on("line", (line) => {
        this.output.push(line)
        const url = /^clawbot: listening on (http:\/\/\S+)/.exec(line)?.[1]
        if (url) resolve(url)
      })
    })
    this.url.catch(() => undefined)
    createInterface({ input: this.child.stderr! }).on("line", (line) => this.output.push(line))
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; its exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.alive) {
      this.child.kill("SIGTERM")
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs)
      void this.exited.finally(() => clearTimeout(timer))
    }
    return this.exited
  }
}
