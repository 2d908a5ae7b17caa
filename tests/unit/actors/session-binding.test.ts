// The session binding: the session's creation becomes one CREATE per task, and each sweep one command to
// every task, addressed by the ids derived from the session id and the task's index.
import { createActor } from "xstate"
import { describe, expect, it } from "vitest"
import { sessionKind } from "../../../actors/session.ts"
import { taskMachine, type TaskInput } from "../../../machines/task.ts"
import { sessionTaskId } from "../../../machines/task-ids.ts"
import { decodeInboxEntry, ownCommandPayload } from "../../../src/runtime/inbox-codec.ts"

const SESSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
const session = { priority: 1, taskCount: 3 }
const out = (effect: Record<string, unknown>) => sessionKind.outputs(effect as never, { id: SESSION, context: session })
const toTask = (id: string, type: string, payload: object = {}) => ({ _tag: "send", to: { kind: "task", id }, type, payload })
const ids = [0, 1, 2].map((index) => sessionTaskId(SESSION, index))
/** The creation effect of the session's first task, and the CREATE it becomes with an empty spec. */
const CREATION = {
  type: "session.create_task",
  taskId: ids[0],
  index: 0,
  key: "compile",
  title: "Compile",
  capability: "build",
  dependsOn: [] as string[],
  dependants: [ids[1]],
  held: true,
  epoch: 0,
}
const CREATED_WITHOUT_DEPENDANTS = {
  id: ids[0],
  sessionId: SESSION,
  index: 0,
  key: "compile",
  title: "Compile",
  capability: "build",
  dependsOn: [] as string[],
  blocked: true,
  payload: {},
}
const CREATED = { ...CREATED_WITHOUT_DEPENDANTS, dependants: [ids[1]] }

describe("session binding", () => {
  it("creates a task from its creation effect, with the spec's fields when given", () => {
    expect(out({ ...CREATION, spec: { payload: { x: 1 }, timeoutS: 60, maxAttempts: 2, priority: 0 } })).toEqual([
      toTask(ids[0]!, "CREATE", { ...CREATED, payload: { x: 1 }, timeoutS: 60, maxAttempts: 2, priority: 0 }),
    ])
    const gated = { group: "tenant-a", requiresApproval: true, approvalTimeoutS: 30 }
    expect(out({ ...CREATION, spec: gated })).toEqual([toTask(ids[0]!, "CREATE", { ...CREATED, ...gated })])
    expect(out({ ...CREATION, spec: {} })).toEqual([toTask(ids[0]!, "CREATE", CREATED)])
  })

  it("leaves out dependants and epoch while they hold what the task assumes without them (none, 0)", () => {
    const creation = { ...CREATION, dependsOn: [ids[2]!], dependants: [], spec: {} }
    const base = { ...CREATED_WITHOUT_DEPENDANTS, dependsOn: [ids[2]] }
    expect(out(creation)).toEqual([toTask(ids[0]!, "CREATE", base)])
    // After a sweep (a task added to a running session), and as a decomposition's child: both said.
    expect(out({ ...creation, dependants: [ids[1]], epoch: 2 })).toEqual([
      toTask(ids[0]!, "CREATE", { ...base, dependants: [ids[1]], epoch: 2 }),
    ])
  })

  it("creates, through the inbox's encoding, the same task with those members left out as with them said", () => {
    const created = (payload: Record<string, unknown>) => {
      const fields = {
        type: "CREATE",
        actor: `task:${ids[0]}`,
        payload: ownCommandPayload({ kind: "task", id: ids[0]!, type: "CREATE", payload }),
      }
      const decoded = decodeInboxEntry(fields)
      if (!decoded.ok) throw new Error(decoded.reason)
      const input = { ...decoded.commands[0]!.payload, at: 1_000 } as unknown as TaskInput
      return createActor(taskMachine, { input }).getSnapshot().context
    }
    const creation = { ...CREATION, dependants: [], spec: { payload: { x: 1 } } }
    const [sent] = out(creation) as ReadonlyArray<{ readonly payload: Record<string, unknown> }>
    expect(sent!.payload).not.toHaveProperty("dependants")
    expect(sent!.payload).not.toHaveProperty("epoch")
    const said = created({ ...sent!.payload, dependants: [], epoch: 0 })
    expect(created(sent!.payload)).toEqual(said)
    expect(said).toMatchObject({ dependants: [], epoch: 0, held: true })
  })

  it("sends each sweep to every task, in index order, from the task count alone", () => {
    expect(out({ type: "session.run_tasks", epoch: 2 })).toEqual(ids.map((id) => toTask(id, "SESSION_RUN", { epoch: 2 })))
    expect(out({ type: "session.hold_tasks" })).toEqual(ids.map((id) => toTask(id, "SESSION_HOLD")))
    expect(out({ type: "session.cancel_tasks", reason: "session stopped", epoch: 3 })).toEqual(
      ids.map((id) => toTask(id, "SESSION_CANCEL", { reason: "session stopped", epoch: 3 })),
    )
  })

  it("names the ids its sweeps address, as the sweeps address them (a stored sweep is read back by them)", () => {
    expect(sessionKind.sweepIds?.(SESSION, ids.length)).toEqual(ids)
    expect(sessionKind.sweepIds?.(SESSION, 2)).toEqual(ids.slice(0, 2))
  })

  it("publishes on sessions and its own topic", () => {
    expect(sessionKind.topics(SESSION, session)).toEqual(["sessions", `session:${SESSION}`])
  })
})
