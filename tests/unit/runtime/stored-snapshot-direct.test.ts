// storedSnapshot builds the stored form from the snapshot itself where XState's getPersistedSnapshot would only copy
// it: the result must be what compacting XState's persisted snapshot gives, byte for byte (members and their order),
// at every step of a task's and an agent's lifecycle, for a finished (done) actor, and for a history state; but a
// context value XState's persisting takes for an actor reference (and rewrites) is kept as it is: it is a user's data.
import { describe, expect, it } from "vitest"
import { createActor, setup, type AnyMachineSnapshot, type AnyStateMachine } from "xstate"
import { agentKind } from "../../../actors/agent.ts"
import { taskKind } from "../../../actors/task.ts"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { compactSnapshot, storedSnapshot } from "../../../src/runtime/stored-snapshot.ts"
import { AGENT, taskInput, T0 } from "../machines/task/harness.ts"
import { baseInput } from "../machines/agent/harness.ts"

/** The snapshot after creation and after each event. */
const lifecycle = (machine: AnyStateMachine, input: unknown, events: ReadonlyArray<Record<string, unknown>>): AnyMachineSnapshot[] => {
  const actor = createActor(machine, { input }).start()
  const seen = [actor.getSnapshot() as AnyMachineSnapshot]
  for (const event of events) {
    actor.send(event as never)
    seen.push(actor.getSnapshot() as AnyMachineSnapshot)
  }
  actor.stop()
  return seen
}

const viaXState = (kind: ActorKind, id: string, snapshot: AnyMachineSnapshot) =>
  compactSnapshot(kind, id, kind.machine.getPersistedSnapshot(snapshot) as unknown as PersistedSnapshot)

const same = (kind: ActorKind, snapshots: ReadonlyArray<AnyMachineSnapshot>) => {
  for (const snapshot of snapshots) {
    const id = (snapshot.context as { id: string }).id
    expect(JSON.stringify(storedSnapshot(kind, id, snapshot))).toBe(JSON.stringify(viaXState(kind, id, snapshot)))
    expect(Object.keys(storedSnapshot(kind, id, snapshot))).toEqual(Object.keys(viaXState(kind, id, snapshot)))
  }
}

const TASK_RUN = [
  { type: "ASSIGN", agentId: AGENT, at: T0 + 1 },
  { type: "START", agentId: AGENT, at: T0 + 2 },
  { type: "PROGRESS", agentId: AGENT, progress: 0.5, message: "half", at: T0 + 3 },
  { type: "COMPLETE", agentId: AGENT, result: { lines: 3 }, at: T0 + 4 },
]

describe("storedSnapshot", () => {
  it("gives what compacting XState's persisted snapshot gives at each step of a task's run", () => {
    same(taskKind, lifecycle(taskKind.machine, taskInput(), TASK_RUN))
    same(taskKind, lifecycle(taskKind.machine, taskInput({ sessionId: "s-1", index: 0, key: "a", blocked: true, group: "acme" }), []))
  })

  it("gives the same for an agent, through to its final (done) state", () => {
    const events = [
      { type: "CONNECT", at: 2_000 },
      { type: "RESERVE", taskId: "task-1", at: 2_001 },
      { type: "RELEASE", taskId: "task-1", outcome: "completed", at: 2_002 },
      { type: "DEREGISTER", at: 2_003 },
    ]
    const snapshots = lifecycle(agentKind.machine, baseInput, events)
    expect(snapshots.at(-1)?.status).toBe("done")
    same(agentKind, snapshots)
  })

  it("keeps a context value that XState's persisting would take for an actor reference as it is (a user's data)", () => {
    const odd = { sessionId: "x", send: 1, ref: 2 }
    const snapshots = lifecycle(taskKind.machine, taskInput({ payload: { nested: [odd] } }), TASK_RUN)
    for (const snapshot of snapshots) {
      const id = (snapshot.context as { id: string }).id
      const stored = storedSnapshot(taskKind, id, snapshot) as { context: { payload: unknown } }
      expect(stored.context.payload).toEqual({ nested: [odd] })
      expect(JSON.stringify(viaXState(taskKind, id, snapshot))).not.toContain('"send"')
    }
  })

  it("gives the same for a machine with a history state", () => {
    const machine = setup({ types: {} as { context: { id: string } } }).createMachine({
      id: "radio",
      context: { id: "r-1" },
      initial: "on",
      states: {
        on: {
          initial: "fm",
          states: { fm: { on: { AM: "am" } }, am: {}, last: { type: "history" } },
          on: { OFF: "off" },
        },
        off: { on: { ON: "on.last" } },
      },
    })
    const kind: ActorKind = { ...taskKind, kind: "radio", machine, storedDefaults: undefined }
    const snapshots = lifecycle(machine, undefined, [{ type: "AM" }, { type: "OFF" }, { type: "ON" }])
    expect(Object.keys(snapshots[2]!.historyValue)).not.toEqual([])
    same(kind, snapshots)
  })
})
