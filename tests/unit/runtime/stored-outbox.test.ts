// The stored form of an actor's last outbox: items grouped by their entry, a timer's own `ref`, a routing
// item's own task or agent id and the derived part of command ids left out; reading it back gives the items exactly, and an outbox stored
// as a plain list (before this form) reads the same.
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
