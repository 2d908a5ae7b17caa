// CPU time of processes on this machine, from /proc (Linux): a process's own user + system
// time, a server's whole tree (the parent, the children it already reaped, the live ones), and the
// whole host's (every process on every core) with its context switches.
import { readdir, readFile } from "node:fs/promises"

const TICK_MS = 10 // USER_HZ is 100 on Linux

interface ProcStat {
  readonly ppid: number
  /** utime + stime, and cutime + cstime (children waited for), in ms. */
  readonly own: number
  readonly reaped: number
}

const stat = async (pid: number): Promise<ProcStat | undefined> => {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined)
  if (text === undefined) return undefined
  // Fields after the command name (which may hold spaces) start at field 3.
  const fields = text
    .slice(text.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number)
  const at = (field: number) => fields[field - 3] ?? 0
  return { ppid: at(4), own: (at(14) + at(15)) * TICK_MS, reaped: (at(16) + at(17)) * TICK_MS }
}

/** User + system CPU ms a process has used so far (0 once it is gone). */
export const processCpuMs = async (pid: number): Promise<number> => (await stat(pid))?.own ?? 0

/** CPU ms of a process, of its children it reaped, and of its live children (e.g. a postmaster and its backends). */
export const treeCpuMs = async (pid: number): Promise<number> => {
  const root = await stat(pid)
  if (root === undefined) return 0
  let total = root.own + root.reaped
  for (const name of await readdir("/proc")) {
    const child = /^\d+$/.test(name) ? await stat(Number(name)) : undefined
    if (child?.ppid === pid) total += child.own
  }
  return total
}

export interface HostCpu {
  /** CPU ms every core spent running anything (user, nice, system, interrupts), summed over the cores. */
  readonly busyMs: number
  /** Context switches on every core. */
  readonly contextSwitches: number
}

/** The whole host's CPU and context switches since it booted (/proc/stat; zeros where there is none). */
export const hostCpu = async (): Promise<HostCpu> => {
  const text = await readFile("/proc/stat", "utf8").catch(() => "")
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (/^cpu +(.*)$/m.exec(text)?.[1] ?? "").split(" ").map(Number)
  return {
    busyMs: (user + nice + system + irq + softirq) * TICK_MS,
    contextSwitches: Number(/^ctxt (\d+)$/m.exec(text)?.[1] ?? 0),
  }
}
