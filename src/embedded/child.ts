// What the embedded servers share about their child processes: how a child ended (a failed spawn
// is an outcome, never an unhandled 'error' event), whether a pid lives and what it runs, stopping
// a pid with a signal and a deadline, and the last line of a server's log for error messages.
import type { ChildProcess } from "node:child_process"
import { readFile } from "node:fs/promises"
import { setTimeout as sleep } from "node:timers/promises"

export type ChildEnd = { readonly error: NodeJS.ErrnoException } | { readonly code: number | null; readonly signal: string | null }

export interface ExitWatch {
  readonly ended: Promise<ChildEnd>
  current(): ChildEnd | undefined
}

const POLL_MS = 50

/** Tracks how a child ended: a failed spawn (`error`, e.g. ENOENT or EACCES) or an exit. Call it right after spawn. */
export function watchExit(child: ChildProcess): ExitWatch {
  let end: ChildEnd | undefined
  const ended = new Promise<ChildEnd>((settle) => {
    child.on("error", (error) => settle((end ??= { error })))
    child.once("exit", (code, signal) => settle((end ??= { code, signal })))
  })
  return { ended, current: () => end }
}

export function describeEnd(end: ChildEnd): string {
  if ("error" in end) return end.error.code ?? end.error.message
  return end.signal !== null ? `killed by ${end.signal}` : `exit code ${end.code}`
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The command line of a live process (`/proc`), or undefined where it cannot be read. */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined)
  return text === undefined || text === "" ? undefined : text.replace(/\0$/, "").split("\0")
}

/** Sends `signal` to pid and waits until it is gone; SIGKILL after `timeoutMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (!isAlive(pid)) return
  process.kill(pid, signal)
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL")
      break
    }
    await sleep(POLL_MS)
  }
  while (isAlive(pid)) await sleep(POLL_MS)
}

/** The last line a server logged, quoted for a one-line error message ("" when its log is empty). */
export async function lastLogLine(logPath: string): Promise<string> {
  const text = await readFile(logPath, "utf8").catch(() => "")
  const line = text.trimEnd().split("\n").at(-1)?.trim() ?? ""
  return line === "" ? "" : ` (its log ends with: ${line.length > 200 ? `${line.slice(0, 200)}…` : line})`
}
