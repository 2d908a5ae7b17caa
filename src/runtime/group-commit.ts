// Group commit: every partition worker of a process hands its planned batch here, and the batches
// that wait while the commits in flight run go to Postgres together at the next commit, as ONE
// statement (`writeBatches`: each partition's fence checked inside it, a stale or clashing partition
// refused alone). Under load a process then sends one statement per tick for all its partitions
// instead of one per partition. Up to `concurrency` such statements run at once, on different
// connections: a partition has at most one batch here at a time (its next batch waits for this one's
// commit), so two of them never hold the same fence or actor rows. A group that fails for a reason
// other than an unreachable server (a value Postgres refuses fails the whole statement) is committed
// again batch by batch, so one poisoned batch fails alone. A group is encoded in a turn of the event loop of its own
// once the turn's slice is spent (./turns.ts): encoding thousands of rows is tens of milliseconds.
import type { Sql } from "../store/db.ts"
import { writeBatch, writeBatches, type Batch, type BatchResult } from "../store/snapshots.ts"
import { isUnavailable } from "./failure.ts"
import { createTurns, type Turns } from "./turns.ts"

interface Waiting {
  readonly batch: Batch
  readonly resolve: (result: BatchResult) => void
  readonly reject: (error: unknown) => void
}

export interface GroupCommit {
  /** Commits `batch` with whatever else is waiting; resolves once it is durable (or refused for its fence). */
  write(batch: Batch): Promise<BatchResult>
}

export interface GroupCommitOptions {
  /** Statements in flight at once (default 1). */
  readonly concurrency?: number
  /** The process's turns of the event loop, shared with its partitions' plans (default: turns of its own). */
  readonly turns?: Turns
}

export const createGroupCommit = (sql: Sql, { concurrency = 1, turns = createTurns() }: GroupCommitOptions = {}): GroupCommit => {
  let waiting: Waiting[] = []
  let committing = 0

  const commit = async (group: Waiting[]): Promise<void> => {
    try {
      const results = await writeBatches(
        sql,
        group.map((item) => item.batch),
      )
      group.forEach((item, index) => item.resolve(results[index]!))
    } catch (error) {
      if (group.length === 1 || isUnavailable(error)) {
        for (const item of group) item.reject(error)
        return
      }
      await Promise.all(group.map((item) => writeBatch(sql, item.batch).then(item.resolve, item.reject)))
    }
  }

  const drain = async (): Promise<void> => {
    if (committing >= concurrency) return
    committing += 1
    try {
      while (waiting.length > 0) {
        const turn = turns.myTurn()
        if (turn !== undefined) await turn
        // Another statement's drain may have taken them meanwhile.
        if (waiting.length === 0) break
        const group = waiting
        waiting = []
        await commit(group)
      }
    } finally {
      committing -= 1
    }
  }

  return {
    write: (batch) =>
      new Promise<BatchResult>((resolve, reject) => {
        waiting.push({ batch, resolve, reject })
        void drain()
      }),
  }
}
