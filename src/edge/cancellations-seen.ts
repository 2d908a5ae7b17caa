// Cancellations seen by this edge's fan-out: the edge that deregisters an agent waits until the `task_cancelled` push
// of each task the agent held has been handed on (to the agent's control sockets on this edge, and read by every
// edge's fan-out at about the same point of the event stream), so a bot hears of them before its sockets close with
// 4401. The task's row in Postgres says "given back" a moment before the push is in the stream (the runtime publishes
// after it commits): waiting on Postgres alone let the close overtake the push.

export interface CancellationsSeen {
  /** Whether some wait is open (the fan-out looks at pushes only then). */
  readonly watching: () => boolean
  /** The fan-out handed on a `task_cancelled` of `taskId` to `agentId`. */
  readonly seen: (agentId: string, taskId: string) => void
  /** Resolves true once each of `taskIds` was seen cancelled for `agentId` from now on, false after `timeoutMs`. */
  readonly await: (agentId: string, taskIds: ReadonlyArray<string>, timeoutMs: number) => Promise<boolean>
}

interface Wait {
  readonly agentId: string
  readonly pending: Set<string>
  readonly done: (all: boolean) => void
}

export const cancellationsSeen = (): CancellationsSeen => {
  const waits = new Set<Wait>()
  return {
    watching: () => waits.size > 0,
    seen: (agentId, taskId) => {
      for (const wait of waits) {
        if (wait.agentId !== agentId || !wait.pending.delete(taskId) || wait.pending.size > 0) continue
        wait.done(true)
      }
    },
    await: (agentId, taskIds, timeoutMs) => {
      if (taskIds.length === 0) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const wait: Wait = {
          agentId,
          pending: new Set(taskIds),
          done: (all) => {
            clearTimeout(timer)
            waits.delete(wait)
            resolve(all)
          },
        }
        // Never holds the process up: a refused deregistration leaves its wait to run out.
        const timer = setTimeout(() => wait.done(false), timeoutMs).unref()
        waits.add(wait)
      })
    },
  }
}
