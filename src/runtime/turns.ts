// Shares the event loop's turns between a process's partition workers. Their reads of Redis are pipelined, so the
// replies of many partitions arrive in one socket read and their batches would all be planned in one turn of the
// event loop: a large session's creation (its 5,000 task creations over 16 partitions) held the loop for a third
// of a second, during which no lease was renewed, no bot frame read and no HTTP request answered. A worker asks
// `myTurn()` before a long piece of work: while the work done since the loop last turned is under `sliceMs`, it goes
// on at once (the everyday case: small batches, nothing waits); past it, it waits for the next turn, after the
// timers and the I/O that waited. Each turn lets at least one piece through, so no worker starves.
import { performance } from "node:perf_hooks"

/** Work a turn of the event loop may take before the next piece waits for the next turn (ms). */
export const SLICE_MS = 20

export interface Turns {
  /** Undefined while this turn's slice lasts: the piece goes on without yielding (awaiting even a resolved promise
   * would let other work in first: the group commit's drain would take a later write's batch into its group). Past
   * the slice, a promise that resolves when the piece may run. */
  myTurn(): Promise<void> | undefined
}

export const createTurns = (sliceMs = SLICE_MS): Turns => {
  /** When this turn's first piece began (-1: none yet); reset once the loop reaches its check phase. */
  let started = -1
  const waiting: Array<() => void> = []
  /** Whether the next turn's resumption is scheduled. */
  let scheduled = false

  const endTurn = (): void => {
    started = -1
  }
  const begin = (now: number): void => {
    if (started < 0) setImmediate(endTurn)
    started = now
  }
  /** Resumes the first waiting piece; once its work ran (its continuation is the microtask queued first), the next
   * one too while the turn's slice lasts; the pieces left wait for the next turn. */
  const resumeWhileRoom = (): void => {
    waiting.shift()?.()
    queueMicrotask(() => {
      scheduled = waiting.length > 0
      if (!scheduled) return
      if (performance.now() - started < sliceMs) resumeWhileRoom()
      else setTimeout(nextTurn, 0)
    })
  }
  /** The timers phase of a turn: the pieces that wait run first, in order, as many as the slice holds (at least one);
   * a piece asking later in the turn waits once the slice is spent. */
  const nextTurn = (): void => {
    begin(performance.now())
    resumeWhileRoom()
  }

  return {
    myTurn() {
      const now = performance.now()
      if (started < 0) {
        begin(now)
        return undefined
      }
      if (now - started < sliceMs) return undefined
      return new Promise<void>((resume) => {
        waiting.push(resume)
        if (!scheduled) {
          scheduled = true
          setTimeout(nextTurn, 0)
        }
      })
    },
  }
}
