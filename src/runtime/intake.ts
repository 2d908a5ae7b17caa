// Gifts at intake: a standalone task created while a free slot waits for its capability is given to that slot's agent
// before its CREATE is appended (intake-give.lua), and its CREATE carries the gift (`givenTo`): the task is created
// assigned (machines/task.ts), one durable step and one inbox entry fewer between its submission and its bot's
// `task_assigned` than ready → routed → ASSIGN. Wraps an AppendFn: the standalone CREATEs of one turn of the event loop
// are looked at in one script call, then handed on together (the wrapped append sends them in one call). Each agent's
// GIVEN (its machine counts the slot from then on) is appended once the CREATEs it names are: a GIVEN for a task that
// was never appended would hold the agent's slot for good, where a GIVEN that never comes only leaves the slot counted
// on its way until the router's hold passes (route-batch.lua), as a wake's lost GIVEN does. An agent lost between its
// gift and the CREATE's append had its loss's AGENT_LOST refused by a task that did not exist yet: once the CREATEs are
// appended, one call (intake-lost.lua) finds those tasks, and each gets the AGENT_LOST it missed, so it goes back to
// ready at once instead of waiting for its deadline assigned to an agent that left.
import { errorFields, type Logger } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import type { RedisScripts } from "../redis/scripts.ts"
import type { Appended, AppendFn, AppendInput } from "./append.ts"

/** A task given at its intake, and its CREATE's append. */
interface Gift {
  readonly taskId: string
  readonly appended: Promise<Appended>
}

/** The tasks of `gifts` whose CREATE was appended (the others' appends failed), once every append has settled. */
const appendedOf = async (gifts: ReadonlyArray<Gift>): Promise<string[]> => {
  const outcomes = await Promise.allSettled(gifts.map((gift) => gift.appended))
  return gifts.flatMap((gift, n) => (outcomes[n]?.status === "fulfilled" ? [gift.taskId] : []))
}

/** A CREATE waiting for its turn's gift call, and its caller's answer. */
interface Waiting {
  readonly command: AppendInput
  readonly capability: string
  readonly resolve: (appended: Appended) => void
  readonly reject: (error: unknown) => void
}

/** A CREATE that makes a task ready at once, which nothing could repeat: no command id (a repeat deduplicated would
 * leave a second gift with no task), no session, dependency, approval or group (a group's cap is the ready queue's).
 * Its capability, or undefined for any other command. */
const givableCapability = (command: AppendInput): string | undefined => {
  if (command.kind !== "task" || command.type !== "CREATE" || command.cmdId !== undefined) return undefined
  const { capability, sessionId, dependsOn, blocked, requiresApproval, group, givenTo } = command.payload
  const waits = sessionId !== undefined || blocked !== false || requiresApproval === true || group !== undefined
  if (waits || givenTo !== undefined || !Array.isArray(dependsOn) || dependsOn.length > 0) return undefined
  return typeof capability === "string" ? capability : undefined
}

export const withIntakeGifts = (
  append: AppendFn,
  options: { readonly scripts: RedisScripts; readonly keys: Keys; readonly log?: Logger },
): AppendFn => {
  let waiting: Waiting[] = []
  let scheduled = false

  /** Each agent's GIVEN, naming the tasks given it whose CREATE was appended. */
  const tell = (byAgent: ReadonlyMap<string, ReadonlyArray<Gift>>) => {
    for (const [agentId, gifts] of byAgent) {
      void appendedOf(gifts).then((taskIds) => {
        if (taskIds.length === 0) return
        // Under a command id named after its first task (given once, at its intake): an append that Redis ran but whose
        // answer a dropped connection lost is resent by the client (src/redis/client.ts), and a second GIVEN after the
        // slot's RELEASE would hold it for good.
        const given = { kind: "agent", id: agentId, type: "GIVEN", payload: { taskIds }, cmdId: `${taskIds[0]}/given-at-intake` }
        append(given).catch((error: unknown) =>
          options.log?.warn("an agent was not told of the tasks given it at their intake", { agentId, taskIds, ...errorFields(error) }),
        )
      })
    }
  }

  /** The AGENT_LOST each appended task given to an agent lost before its CREATE was appended refused as missing. */
  const recoverLosses = async (byAgent: ReadonlyMap<string, ReadonlyArray<Gift>>): Promise<void> => {
    const appended = await Promise.all(
      [...byAgent].map(async ([agentId, gifts]) => (await appendedOf(gifts)).map((taskId) => ({ taskId, agentId }))),
    )
    const losses = await options.scripts.lostAtIntake(options.keys.route, appended.flat())
    await Promise.all(
      losses.map(({ taskId, agentId, reason }) =>
        append({ kind: "task", id: taskId, type: "AGENT_LOST", payload: { agentId, reason }, cmdId: `${taskId}/lost-at-intake` }),
      ),
    )
  }

  const flush = async (): Promise<void> => {
    scheduled = false
    const asked = waiting
    waiting = []
    const gifts = new Map<string, string>()
    try {
      const made = await options.scripts.giveAtIntake(
        options.keys.route,
        asked.map((one) => ({ capability: one.capability, taskId: one.command.id })),
      )
      for (const gift of made) gifts.set(gift.taskId, gift.agentId)
    } catch (error) {
      // No gift: each task is created ready and routed as before (its append meets the same Redis).
      options.log?.debug("no gifts at intake", errorFields(error))
    }
    const byAgent = new Map<string, Gift[]>()
    for (const { command, resolve, reject } of asked) {
      const agentId = gifts.get(command.id)
      const appended = append(agentId === undefined ? command : { ...command, payload: { ...command.payload, givenTo: agentId } })
      appended.then(resolve, reject)
      if (agentId === undefined) continue
      let given = byAgent.get(agentId)
      if (given === undefined) byAgent.set(agentId, (given = []))
      given.push({ taskId: command.id, appended })
    }
    tell(byAgent)
    if (byAgent.size > 0)
      recoverLosses(byAgent).catch((error: unknown) =>
        options.log?.warn("tasks given at their intake to an agent lost meanwhile wait for their deadline", errorFields(error)),
      )
  }

  return (command) => {
    const capability = givableCapability(command)
    if (capability === undefined) return append(command)
    return new Promise<Appended>((resolve, reject) => {
      waiting.push({ command, capability, resolve, reject })
      if (!scheduled) {
        scheduled = true
        // After the other callbacks of this turn (a batch's tasks, many requests read together): one call for them.
        setImmediate(() => void flush())
      }
    })
  }
}
