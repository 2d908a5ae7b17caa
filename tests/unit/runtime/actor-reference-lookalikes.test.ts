// A user's data that looks like one of XState's actor references is stored and restored as it is: XState's own
// persisting rewrites any object with `sessionId`, `send` and `ref` members as `{xstate$$type: 1, id}`, and its
// restoring replaces any object with `xstate$$type: 1` by the child actor of that id (none here: the member is lost).
// A task's payload and result and an agent's metadata are a bot's JSON (a git `ref`, a `sessionId`), and no actor of
// ours holds a reference, so the runtime's store (stored-snapshot.ts) and restore (advance.ts) keep the context whole.
import { describe, expect, it } from "vitest"
import { agentKind } from "../../../actors/agent.ts"
import { taskKind } from "../../../actors/task.ts"
import type { ActorKind } from "../../../src/runtime/actor-kind.ts"
import { createStep, restoreSnapshot, sendStep, type Step } from "../../../src/runtime/advance.ts"
import { expandSnapshot, storedSnapshot } from "../../../src/runtime/stored-snapshot.ts"
import { baseInput } from "../machines/agent/harness.ts"
import { AGENT, taskInput, T0 } from "../machines/task/harness.ts"

const LIVE_LOOKING = { sessionId: "a1b2", ref: "refs/heads/main", send: true }
const PERSISTED_LOOKING = { xstate$$type: 1, id: "child-1" }
const DATA = { checkout: LIVE_LOOKING, nested: [PERSISTED_LOOKING, { deeper: LIVE_LOOKING }] }

const applied = (step: Step) => {
  if (step._tag !== "applied") throw new Error(JSON.stringify(step))
  return step.snapshot
}

/** The snapshot as a row holds it (JSON), brought back as the runtime brings back a stored actor. */
const throughStore = (kind: ActorKind, id: string, snapshot: ReturnType<typeof applied>) =>
  restoreSnapshot(kind, expandSnapshot(kind, id, JSON.parse(JSON.stringify(storedSnapshot(kind, id, snapshot)))))

describe("a user's data that looks like an actor reference", () => {
  it("a task's payload and result are stored and restored as they are, and the restored task runs on", () => {
    const input: Record<string, unknown> & { id: string } = { ...taskInput({ payload: DATA }) }
    const id = input.id
    let snapshot = applied(createStep(taskKind, id, input))
    snapshot = throughStore(taskKind, id, snapshot)
    expect((snapshot.context as { payload: unknown }).payload).toEqual(DATA)
    for (const event of [
      { type: "ASSIGN", agentId: AGENT, at: T0 + 1 },
      { type: "START", agentId: AGENT, at: T0 + 2 },
      { type: "COMPLETE", agentId: AGENT, result: DATA, at: T0 + 3 },
    ]) {
      snapshot = throughStore(taskKind, id, applied(sendStep(taskKind, id, snapshot, event)))
    }
    expect(snapshot.value).toBe("completed")
    expect(snapshot.context).toMatchObject({ payload: DATA, result: DATA })
  })

  it("an agent's metadata is stored and restored as it is", () => {
    const input = { ...baseInput, metadata: DATA }
    const snapshot = throughStore(agentKind, input.id, applied(createStep(agentKind, input.id, input)))
    expect((snapshot.context as { metadata: unknown }).metadata).toEqual(DATA)
  })
})
