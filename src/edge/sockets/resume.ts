// A reconnecting bot's session: the `task_assigned` frames of every task still held by the agent
// (assigned or in progress), rebuilt from the stored tasks (brought up to their machine), to send again after `connected`.
import type { Logger } from "../../log.ts"
import { encodeFrame, ServerFrame } from "../../schema/frames.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { listActors } from "../../store/queries.ts"
import { decodeTaskAssignment } from "./stored.ts"
import type { ActorKind } from "../../runtime/actor-kind.ts"
import { bringUp } from "../http/current.ts"

const HELD_STATES = ["assigned", "in_progress"] as const
const PAGE = 500

async function heldTasks(sql: Sql, agentId: string): Promise<StoredActor[]> {
  const held: StoredActor[] = []
  for (const state of HELD_STATES) {
    let after: string | undefined
    do {
      const page = await listActors(sql, { kind: "task", state, agentId, limit: PAGE, ...(after ? { after } : {}) })
      held.push(...page.actors)
      after = page.next ?? undefined
    } while (after)
  }
  return held
}

/** The frame for one held task; `attempt` is the one the bot runs (the next START's while assigned). */
function assignmentFrame(kinds: ReadonlyMap<string, ActorKind>, task: StoredActor, log: Logger): string | undefined {
  const decoded = decodeTaskAssignment(bringUp(kinds, task).actor.snapshot)
  if (!decoded.ok) {
    log.warn("stored task snapshot unreadable; not sent again", { taskId: task.id, error: decoded.error.message })
    return undefined
  }
  const { context } = decoded.value
  return encodeFrame(ServerFrame, {
    type: "task_assigned",
    payload: {
      taskId: context.id,
      ...(context.sessionId === null ? {} : { sessionId: context.sessionId }),
      capability: context.capability,
      title: context.title,
      payload: context.payload,
      attempt: task.state === "assigned" ? context.attempt + 1 : context.attempt,
      deadline: new Date(context.deadlineAt).toISOString(),
    },
  })
}

/** The `task_assigned` frames of the tasks `agentId` still holds, oldest in their state first. */
export async function heldTaskFrames(sql: Sql, kinds: ReadonlyMap<string, ActorKind>, agentId: string, log: Logger): Promise<string[]> {
  return (await heldTasks(sql, agentId)).map((task) => assignmentFrame(kinds, task, log)).filter((frame) => frame !== undefined)
}
