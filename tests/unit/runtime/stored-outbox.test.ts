// The stored form of an actor's last outbox: items grouped by their entry, a timer's own `ref`, a routing
// item's own task or agent id and the derived part of command ids left out, a sweep's sends as one `sends`, a task's
// report without its session and as a compact `report`, its own route_task as `routed`, its replies' and pushes' own
// ids as `#`; reading it back gives the items exactly, and an outbox stored as a plain list (before this form), or
// with a report or route whole (before `report` and `routed`), reads the same.
import { describe, expect, it } from "vitest"
import type { OutboxItem } from "../../../src/runtime/outbox.ts"
import { restoredOutbox, storedOutbox } from "../../../src/runtime/stored-outbox.ts"

const self = { kind: "task", id: "31a56d17-6a6b-4fab-bd31-a85d7c7b5c4e" }
const agent = { kind: "agent", id: "87b3dc79-2f53-4216-9ed7-181f3fdaf870" }
const P = 2

const items: OutboxItem[] = [
  {
    _tag: "timer_arm",
    ref: self,
    name: "deadline",
    fireAt: 1796051601591,
    event: { type: "DEADLINE", attempt: 1 },
    entryId: "1796051301591-0",
  },
  { _tag: "timer_clear", ref: self, name: "deadline", entryId: "1796051301605-0" },
  {
    _tag: "send",
    to: agent,
    type: "RELEASE",
    payload: { taskId: self.id, outcome: "completed" },
    entryId: "1796051301605-0",
    cmdId: `${P}/1796051301605-0/1`,
  },
  { _tag: "erase", ref: self, entryId: "1796051301605-0", cmdId: `${P}/1796051301605-0/erase` },
  // a timer of another actor, and a command id not derived from the entry, are kept as they are
  { _tag: "timer_clear", ref: agent, name: "heartbeat", entryId: "1796051301606-0" },
  { _tag: "send", to: agent, type: "RELEASE", payload: {}, entryId: "1796051301606-0", cmdId: "bench/x/1/COMPLETE" },
  // routing items of the task itself (its id left out), and one naming another task (kept)
  {
    _tag: "route_task",
    taskId: self.id,
    capability: "bench",
    priority: 2,
    since: 1796051301607,
    entryId: "1796051301607-0",
    cmdId: `${P}/1796051301607-0/0`,
  },
  { _tag: "group_release", taskId: self.id, group: "g", entryId: "1796051301607-0" },
  { _tag: "route_task", taskId: "other", entryId: "1796051301607-0" },
]

describe("stored outboxes", () => {
  it("read back as the items they were given, in order", () => {
    const stored = storedOutbox(self, P, items)
    expect(restoredOutbox(self, P, JSON.parse(JSON.stringify(stored)))).toEqual(items)
  })

  it("write each entry id once, no own ref and only the derived suffix of a command id", () => {
    const stored = storedOutbox(self, P, items) as Record<string, Array<Record<string, unknown>>>
    expect(Object.keys(stored)).toEqual(["1796051301591-0", "1796051301605-0", "1796051301606-0", "1796051301607-0"])
    expect(stored["1796051301605-0"]).toEqual([
      { _tag: "timer_clear", name: "deadline" },
      { _tag: "send", to: agent, type: "RELEASE", payload: { taskId: self.id, outcome: "completed" }, cmdId: "#1" },
      { _tag: "erase", cmdId: "#erase" },
    ])
    expect(stored["1796051301606-0"]?.[0]).toEqual({ _tag: "timer_clear", ref: agent, name: "heartbeat" })
    expect(stored["1796051301607-0"]).toEqual([
      { _tag: "route_task", capability: "bench", priority: 2, since: 1796051301607, cmdId: "#0" },
      { _tag: "group_release", group: "g" },
      { _tag: "route_task", taskId: "other" },
    ])
    expect(JSON.stringify(stored).length).toBeLessThan(0.7 * JSON.stringify(items).length)
  })

  it("store an empty outbox as an empty list, and read an outbox stored as a list as it is", () => {
    expect(storedOutbox(self, P, [])).toEqual([])
    expect(restoredOutbox(self, P, items)).toBe(items)
    expect(restoredOutbox(self, P, null)).toEqual([])
  })

  it("give an agent's own fill_agent back its agentId", () => {
    const fill: OutboxItem = {
      _tag: "fill_agent",
      agentId: agent.id,
      capabilities: ["bench"],
      free: 2,
      entryId: "1-0",
      cmdId: `${P}/1-0/0`,
    }
    const stored = storedOutbox(agent, P, [fill])
    expect(stored).toEqual({ "1-0": [{ _tag: "fill_agent", capabilities: ["bench"], free: 2, cmdId: "#0" }] })
    expect(restoredOutbox(agent, P, JSON.parse(JSON.stringify(stored)))).toEqual([fill])
  })
})

describe("a sweep's sends in a stored outbox", () => {
  const session = { kind: "session", id: "7c9e6679-7425-40de-944b-e07fc1f90ae7" }
  const tasks = ["a", "b", "c", "d"].map((letter) => `${letter.repeat(8)}-0000-5000-8000-000000000000`)
  const run = { epoch: 1 }
  const send = (id: string, n: number, payload: Record<string, unknown> = run, entryId = "5-0") => ({
    _tag: "send" as const,
    to: { kind: "task", id },
    type: "SESSION_RUN",
    payload,
    entryId,
    cmdId: `${P}/${entryId}/${n}`,
  })
  const sweep: OutboxItem[] = tasks.map((id, n) => send(id, n))

  it("are stored as one `sends` naming their ids, and read back as the sends, each under its own command id", () => {
    const stored = storedOutbox(session, P, sweep)
    expect(stored).toEqual({ "5-0": [{ _tag: "sends", kind: "task", type: "SESSION_RUN", payload: run, ids: tasks, cmdId: "#0" }] })
    expect(restoredOutbox(session, P, JSON.parse(JSON.stringify(stored)))).toEqual(sweep)
    // against the same sends stored one by one (each its own payload object, so none joins)
    const apart = storedOutbox(
      session,
      P,
      tasks.map((id, n) => send(id, n, { epoch: 1 })),
    )
    expect(JSON.stringify(stored).length).toBeLessThan(0.5 * JSON.stringify(apart).length)
  })

  it("are stored by their count when they go to the first ids the actor's sweeps address, and read back the same", () => {
    const sweeping = { ...session, sweepIds: (count: number) => tasks.slice(0, count) }
    const stored = storedOutbox(sweeping, P, sweep)
    expect(stored).toEqual({ "5-0": [{ _tag: "sends", kind: "task", type: "SESSION_RUN", payload: run, count: 4, cmdId: "#0" }] })
    expect(restoredOutbox(sweeping, P, JSON.parse(JSON.stringify(stored)))).toEqual(sweep)
    // not the first ids, or not in their order: named
    for (const ids of [tasks.slice(1), [tasks[1]!, tasks[0]!, tasks[2]!]]) {
      const items = ids.map((id, n) => send(id, n))
      const named = storedOutbox(sweeping, P, items) as Record<string, Array<Record<string, unknown>>>
      expect(named["5-0"]![0]).toMatchObject({ _tag: "sends", ids })
      expect(restoredOutbox(sweeping, P, JSON.parse(JSON.stringify(named)))).toEqual(items)
    }
    // a sweep stored by its count is not read without the ids it stands for
    expect(() => restoredOutbox(session, P, JSON.parse(JSON.stringify(stored)))).toThrow(/sweepIds/)
  })

  it("join only sends of the same kind, type and payload under consecutive command ids of one entry", () => {
    const other = { epoch: 1 }
    const withExtra = { ...send(tasks[3]!, 2, run, "6-0"), extra: 1 }
    const mixed: OutboxItem[] = [
      send(tasks[0]!, 0),
      send(tasks[1]!, 1, other), // another payload (equal, but not the sweep's one)
      send(tasks[2]!, 3, other), // not the next command id
      { ...send(tasks[3]!, 4, other), type: "SESSION_HOLD" }, // another type
      { ...send(tasks[0]!, 5, other), to: { kind: "agent", id: tasks[0]! } }, // another kind
      send(tasks[1]!, 0, run, "6-0"), // another entry
      { ...send(tasks[2]!, 1, run, "6-0"), cmdId: "bench/x" }, // a command id not derived
      withExtra, // a member a sweep's send has not
      send(tasks[0]!, 3, run, "6-0"),
      send(tasks[1]!, 4, run, "6-0"),
    ]
    const stored = storedOutbox(session, P, mixed) as Record<string, Array<Record<string, unknown>>>
    expect(stored["5-0"]!.map((item) => item["_tag"])).toEqual(["send", "send", "send", "send", "send"])
    expect(stored["6-0"]!.map((item) => item["_tag"])).toEqual(["send", "send", "send", "sends"])
    expect(restoredOutbox(session, P, JSON.parse(JSON.stringify(stored)))).toEqual(mixed)
  })
})

describe("a task's replies and pushes in a stored outbox", () => {
  const session = "0a6e5bb6-22a4-4d70-9c1c-2e0f1d7a6c3b"
  const task = { ...self, session }
  const reply = (actor: { kind: string; id: string }): OutboxItem => ({
    _tag: "reply",
    entryId: "7-0",
    replyTo: "edge-1:4.2",
    actor,
    outcome: "applied",
    state: "in_progress",
  })
  const assigned = (taskId: string, sessionId?: string): OutboxItem => ({
    _tag: "push",
    agentId: agent.id,
    frame: {
      type: "task_assigned",
      payload: { task_id: taskId, ...(sessionId ? { session_id: sessionId } : {}), capability: "bench", attempt: 1 },
    },
    entryId: "7-0",
    cmdId: `${P}/7-0/1`,
  })
  const items = [reply(self), reply(agent), assigned(self.id, session), assigned("other", "other-session"), assigned(self.id)]

  it("name the task itself and its session by `#`, and read back the same, members in their order", () => {
    const stored = storedOutbox(task, P, items) as Record<string, Array<Record<string, unknown>>>
    const [own, other, pushed, pushedOther, pushedAlone] = stored["7-0"]!
    expect(own).toMatchObject({ actor: "#" })
    expect(other).toMatchObject({ actor: agent })
    expect(pushed).toMatchObject({ frame: { payload: { task_id: "#", session_id: "#" } } })
    expect(pushedOther).toMatchObject({ frame: { payload: { task_id: "other", session_id: "other-session" } } })
    expect(pushedAlone).toMatchObject({ frame: { payload: { task_id: "#" } } })
    const restored = restoredOutbox(task, P, JSON.parse(JSON.stringify(stored)))
    expect(restored).toEqual(items)
    // what is sent (a reply's body, a pushed frame) keeps its members' order
    const sent = (item: OutboxItem) => {
      const { _tag, entryId, cmdId, ...rest } = item as OutboxItem & Record<string, unknown>
      return JSON.stringify(rest)
    }
    expect(restored.map(sent)).toEqual(items.map(sent))
  })
})

describe("a task's reports to its session", () => {
  const session = "5d0c3d5a-0c1e-4d8e-9b55-0a0c3a6f9e21"
  const task = { ...self, session }
  const send = (to: { kind: string; id: string }, type: string, payload: Record<string, unknown>, n: number): OutboxItem => ({
    _tag: "send",
    to,
    type,
    payload,
    entryId: "8-0",
    cmdId: `${P}/8-0/${n}`,
  })
  const own = { kind: "session", id: session }
  const report = { index: 3, from: "ready", status: "assigned", epoch: 1 }
  const items = [
    send(own, "TASK_STATUS", report, 0),
    // kept as sends: a report naming its task, one not a report (a member too many, a state no task has), another
    // session, another type
    send(own, "TASK_STATUS", { taskId: self.id, ...report }, 1),
    send(own, "TASK_STATUS", { ...report, extra: 1 }, 2),
    send(own, "TASK_STATUS", { ...report, status: "done" }, 3),
    send({ kind: "session", id: "other" }, "TASK_STATUS", report, 4),
    send(own, "CHECKPOINT", { data: 1 }, 5),
  ]

  it("are stored as a `report` of their values, compact as the entry carries them, and read back as the sends", () => {
    const stored = storedOutbox(task, P, items) as Record<string, Array<Record<string, unknown>>>
    const [compact, ...kept] = stored["8-0"]!
    expect(compact).toEqual({ _tag: "report", r: [3, 2, 3, 1], cmdId: "#0" })
    expect(kept.map((item) => item["_tag"])).toEqual(["send", "send", "send", "send", "send"])
    expect(restoredOutbox(task, P, JSON.parse(JSON.stringify(stored)))).toEqual(items)
  })
})

describe("a task's own route_task", () => {
  const task = { ...self, capability: "bench", priority: 2 }
  const route = (extra: Record<string, unknown>, n: number): OutboxItem =>
    ({
      _tag: "route_task",
      taskId: self.id,
      capability: "bench",
      priority: 2,
      since: 1796051301700,
      ...extra,
      entryId: "1796051301700-4",
      cmdId: `${P}/1796051301700-4/${n}`,
    }) as OutboxItem
  const items = [
    route({}, 0),
    // kept whole: another capability or priority than the row's, ready since another time, a group, another task
    route({ capability: "other" }, 1),
    route({ priority: 1 }, 2),
    route({ since: 1796051301699 }, 3),
    route({ group: "g" }, 4),
    route({ taskId: "other" }, 5),
  ]

  it("is stored as `routed` when it says what its row and entry do, and read back as it was", () => {
    const stored = storedOutbox(task, P, items) as Record<string, Array<Record<string, unknown>>>
    const [routed, ...kept] = stored["1796051301700-4"]!
    expect(routed).toEqual({ _tag: "routed", cmdId: "#0" })
    expect(kept.map((item) => item["_tag"])).toEqual(["route_task", "route_task", "route_task", "route_task", "route_task"])
    expect(restoredOutbox(task, P, JSON.parse(JSON.stringify(stored)))).toEqual(items)
  })

  it("is stored whole when the row's columns are not known, and read back as before (a list, or without `routed`)", () => {
    const stored = storedOutbox(self, P, items) as Record<string, Array<Record<string, unknown>>>
    expect(stored["1796051301700-4"]!.map((item) => item["_tag"])).toEqual(Array(6).fill("route_task"))
    expect(restoredOutbox(task, P, JSON.parse(JSON.stringify(stored)))).toEqual(items)
  })
})
