// A reconnecting bot's session: the `task_assigned` frames of every task still held by the agent
// (assigned or in progress), rebuilt from the stored tasks brought up to their machine (current.ts), to
// send again after `connected`, stamped when sent. A quarantined task is not sent (its commands are refused
// until it is fixed).
import { currentAttempt } from "../../../machines/task.ts"
import { HELD_STATUSES } from "../../../machines/task-statuses.ts"
import { encodeFrame, ServerFrame } from "../../schema/frames.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { listActors } from "../../store/queries.ts"
import type { EdgeContext } from "../context.ts"
import { bringUp } from "../http/current.ts"
import { decodeTaskAssignment } from "./stored.ts"

const PAGE = 500

async function heldTasks(sql: Sql, agentId: string): Promise<StoredActor[]> {
  const held: StoredActor[] = []
  let after: string | undefined
  do {
    const page = await listActors(sql, { kind: "task", state: [...HELD_STATUSES], agentId, limit: PAGE, ...(after ? { after } : {}) })
    held.push(...page.actors)
    after = page.next ?? undefined
  } while (after)
  return held
}

/** The frame for one held task, sent at `at`; `attempt` is the one the bot runs (the next START's while assigned). */
function assignmentFrame(ctx: Pick<EdgeContext, "kinds" | "log">, stored: StoredActor, at: number): string | undefined {
  const { actor: task, quarantined } = bringUp(ctx.kinds, stored)
  if (quarantined !== null) {
    ctx.log.warn("stored task quarantined; not sent again", { taskId: task.id, reason: quarantined })
    return undefined
  }
  const decoded = decodeTaskAssignment(task.snapshot)
  if (!decoded.ok) {
    ctx.log.warn("stored task snapshot unreadable; not sent again", { taskId: task.id, error: decoded.error.message })
    return undefined
  }
  const { context } = decoded.value
  return encodeFrame(
    ServerFrame,
    {
      type: "task_assigned",
      payload: {
        taskId: context.id,
        ...(context.sessionId === null ? {} : { sessionId: context.sessionId }),
        capability: context.capability,
        title: context.title,
        payload: context.payload,
        attempt: currentAttempt({ status: task.state, attempt: context.attempt }),
        deadline: new Date(context.deadlineAt).toISOString(),
      },
    },
    at,
  )
}

/** The `task_assigned` frames of the tasks `agentId` still holds, oldest in their state first. */
export async function heldTaskFrames(ctx: Pick<EdgeContext, "sql" | "kinds" | "log" | "clock">, agentId: string): Promise<string[]> {
  const held = await heldTasks(ctx.sql, agentId)
  const at = ctx.clock()
  return held.map((task) => assignmentFrame(ctx, task, at)).filter((frame) => frame !== undefined)
}
