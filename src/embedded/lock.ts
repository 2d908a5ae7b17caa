// One `clawbot start` per data folder: a pid file `<dataDir>/clawbot.pid`, created exclusively before any
// server starts and removed on stop. A file whose process is gone is stale (a crash) and is taken over;
// a live one refuses the second start, naming the pid and what to do.
import { open, readFile, rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { commandLineOf, isAlive } from "./child.ts"
import { StartupFailure } from "./errors.ts"

export const LOCK_FILE = "clawbot.pid"

export interface DataDirLock {
  /** True when the previous holder died without releasing it: its servers may still run. */
  readonly tookOverStale: boolean
  release(): Promise<void>
}

/** Takes the data folder's lock, or throws a StartupFailure naming the live holder. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE)
  let tookOverStale = false
  for (;;) {
    try {
      const file = await open(path, "wx", 0o644)
      await file.writeFile(`${process.pid}\n`)
      await file.close()
      return { tookOverStale, release: () => releaseIfOurs(path) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    }
    const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10)
    if (Number.isInteger(holder) && holder > 0 && (await isClawbot(holder))) {
      throw new StartupFailure(
        `another clawbot (pid ${holder}) is running on the data folder ${resolve(dataDir)}`,
        `stop it first (kill ${holder}), or give this one its own folder with --data-dir (CLAWBOT_DATA_DIR)`,
      )
    }
    await rm(path, { force: true })
    tookOverStale = true
  }
}

/** A live process that is a clawbot (its command line names it; where it cannot be read, any live process counts). */
async function isClawbot(pid: number): Promise<boolean> {
  if (pid === process.pid) return true
  if (!isAlive(pid)) return false
  const command = await commandLineOf(pid)
  return command === undefined || command.some((part) => part.includes("clawbot"))
}

async function releaseIfOurs(path: string): Promise<void> {
  const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10)
  if (holder === process.pid) await rm(path, { force: true })
}
