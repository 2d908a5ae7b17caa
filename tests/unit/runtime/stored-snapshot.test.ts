// Stored snapshots: a task's and an agent's snapshot at each step of their lifecycles is stored without
// the members at their defaults (its own id among them) and reads back exactly as XState persisted it; a snapshot stored in full
// (before the compact form) reads the same; the machine restores the compact form through restoreStored.
import { describe, expect, it } from "vitest"
import { createActor, type AnyStateMachine } from "xstate"
import { agentKind } from "../../../actors/agent.ts"
import { taskKind } from "../../../actors/task.ts"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { restoreStored } from "../../../src/runtime/snapshot-version.ts"
import { compactSnapshot, expandSnapshot } from "../../../src/runtime/stored-snapshot.ts"
import { AGENT, taskInput, T0 } from "../machines/task/harness.ts"
import { baseInput } from "../machines/agent/harness.ts"

/** The persisted snapshot (JSON) after creation and after each event. */
const lifecycle = (machine: AnyStateMachine, input: unknown, events: ReadonlyArray<Record<string, unknown>>): PersistedSnapshot[] => {
  const actor = createActor(machine, { input }).start()
  const persisted = () => JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as PersistedSnapshot
  const seen = [persisted()]
  for (const event of events) {
    actor.send(event as never)
    seen.push(persisted())
  }
  actor.stop()
  return seen
}

const TASK_RUN = [
  { type: "ASSIGN", agentId: AGENT, at: T0 + 1 },
  { type: "START", agentId: AGENT, at: T0 + 2 },
  { type: "PROGRESS", agentId: AGENT, progress: 0.5, message: "half", at: T0 + 3 },
  { type: "COMPLETE", agentId: AGENT, result: { lines: 3 }, at: T0 + 4 },
]
const TASK_FAILING = [
  { type: "ASSIGN", agentId: AGENT, at: T0 + 1 },
  { type: "START", agentId: AGENT, at: T0 + 2 },
  { type: "FAIL", agentId: AGENT, error: "exit 1", at: T0 + 3 },
]
const AGENT_RUN = [
  { type: "CONNECT", at: 2_000 },
  { type: "RESERVE", taskId: "task-1", at: 2_001 },
  { type: "RELEASE", taskId: "task-1", outcome: "completed", at: 2_002 },
  { type: "DISCONNECT", at: 2_003 },
]

const cases: ReadonlyArray<{ name: string; kind: ActorKind; snapshots: PersistedSnapshot[] }> = [
  { name: "task run to completion", kind: taskKind, snapshots: lifecycle(taskKind.machine, taskInput(), TASK_RUN) },
  { name: "task that fails and waits to retry", kind: taskKind, snapshots: lifecycle(taskKind.machine, taskInput(), TASK_FAILING) },
  {
    name: "task of a session, held",
    kind: taskKind,
    snapshots: lifecycle(taskKind.machine, taskInput({ sessionId: "s-1", index: 0, key: "a", blocked: true, group: "acme" }), []),
  },
  { name: "agent through a reservation", kind: agentKind, snapshots: lifecycle(agentKind.machine, baseInput, AGENT_RUN) },
]

/** The id an actor's persisted snapshot holds (its row's id). */
const idOf = (persisted: PersistedSnapshot): string => (persisted.context as { id: string }).id

describe("stored snapshots", () => {
  it.each(cases)("$name: each step reads back exactly as XState persisted it", ({ kind, snapshots }) => {
    for (const persisted of snapshots) {
      const stored = JSON.parse(JSON.stringify(compactSnapshot(kind, idOf(persisted), persisted)))
      expect(expandSnapshot(kind, idOf(persisted), stored)).toEqual(persisted)
    }
  })

  it.each(cases)("$name: the machine restores the stored form to the same context and state", ({ kind, snapshots }) => {
    for (const persisted of snapshots) {
      const key = `${kind.kind}:${idOf(persisted)}`
      const restored = restoreStored(kind, key, { snapshot: compactSnapshot(kind, idOf(persisted), persisted), machineVersion: 1 })
      expect(restored.ok && { value: restored.snapshot.value, context: restored.snapshot.context }).toEqual({
        value: persisted.value,
        context: persisted.context,
      })
    }
  })

  it("leaves out every member at its default and XState's empty bookkeeping, and nothing else", () => {
    const [created] = lifecycle(taskKind.machine, taskInput(), [])
    const stored = compactSnapshot(taskKind, idOf(created!), created!)
    expect(Object.keys(stored).sort()).toEqual(["context", "value"])
    const context = stored["context"] as Record<string, unknown>
    expect(Object.keys(context)).not.toContain("id")
    expect(Object.values(context).filter((value) => value === null || (Array.isArray(value) && value.length === 0))).toEqual([])
    expect(Object.keys(context)).not.toContain("agentId")
    expect(context["title"]).toBe("Build the parser")
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(created).length * 0.6)
  })

  it("reads a snapshot stored in full (before the compact form) as it is", () => {
    for (const { kind, snapshots } of cases) {
      for (const persisted of snapshots) expect(expandSnapshot(kind, idOf(persisted), persisted)).toEqual(persisted)
    }
  })

  it("reads a compact snapshot stored with its id (before the id was left out) as it is, and keeps an id that is not its row's", () => {
    const [created] = lifecycle(taskKind.machine, taskInput(), [])
    const withId = { ...compactSnapshot(taskKind, idOf(created!), created!) }
    withId["context"] = { ...(withId["context"] as object), id: idOf(created!) }
    expect(expandSnapshot(taskKind, idOf(created!), JSON.parse(JSON.stringify(withId)))).toEqual(created)
    const other = compactSnapshot(taskKind, "another-id", created!)
    expect((other["context"] as Record<string, unknown>)["id"]).toBe(idOf(created!))
  })

  it("gives each read its own empty lists", () => {
    const [created] = lifecycle(agentKind.machine, baseInput, [])
    const stored = compactSnapshot(agentKind, idOf(created!), created!)
    const first = expandSnapshot(agentKind, idOf(created!), stored).context as { inflight: string[] }
    first.inflight.push("task-9")
    expect((expandSnapshot(agentKind, idOf(created!), stored).context as { inflight: string[] }).inflight).toEqual([])
  })
})
