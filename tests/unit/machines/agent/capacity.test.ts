// Capacity: RESERVE is the only way to take a slot, RELEASE frees it, online ⇄ busy follows free
// capacity, and no interleaving of reservations and releases ever over-reserves.
import { describe, expect, it } from "vitest"
import { freeCapacity, type ReleaseOutcome } from "../../../../machines/agent.ts"
import { agentIn, startAgent, type Agent, type Command } from "./harness.ts"

const OUTCOMES: ReleaseOutcome[] = ["completed", "failed", "cancelled", "timed_out", "lost"]

describe("freeCapacity", () => {
  it("is the slots left, never negative", () => {
    expect(freeCapacity({ maxConcurrency: 3, inflight: ["a"] })).toBe(2)
    expect(freeCapacity({ maxConcurrency: 1, inflight: ["a"] })).toBe(0)
    expect(freeCapacity({ maxConcurrency: 1, inflight: ["a", "b"] })).toBe(0)
  })
})

describe("reserving and releasing", () => {
  it("RESERVE takes a slot and confirms; the last slot makes the agent busy", () => {
    const agent = agentIn("online", [], { maxConcurrency: 2 })
    expect(agent.send({ type: "RESERVE", taskId: "t1" })).toEqual([{ type: "agent.reserved", taskId: "t1" }])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ inflight: ["t1"], load: 0.5 })
    expect(agent.send({ type: "RESERVE", taskId: "t2" })).toEqual([{ type: "agent.reserved", taskId: "t2" }])
    expect(agent.state).toBe("busy")
    expect(agent.context).toMatchObject({ inflight: ["t1", "t2"], load: 1 })
  })

  it("a busy agent refuses a new task for lack of capacity and changes nothing", () => {
    const agent = agentIn("busy", ["t1"])
    const before = agent.context
    expect(agent.send({ type: "RESERVE", taskId: "t2" })).toEqual([{ type: "agent.reserve_refused", taskId: "t2", reason: "no_capacity" }])
    expect(agent.state).toBe("busy")
    expect(agent.context).toEqual(before)
  })

  it.each([
    ["online", 2],
    ["busy", 1],
    ["draining", 1],
  ] as const)("a duplicate RESERVE while %s is confirmed again without counting twice", (state, maxConcurrency) => {
    const agent = agentIn(state, ["t1"], { maxConcurrency })
    expect(agent.send({ type: "RESERVE", taskId: "t1" })).toEqual([{ type: "agent.reserved", taskId: "t1" }])
    expect(agent.state).toBe(state)
    expect(agent.context.inflight).toEqual(["t1"])
  })

  it("RELEASE on a busy agent frees the slot, goes online and announces the free capacity", () => {
    const agent = agentIn("busy", ["t1", "t2"], { maxConcurrency: 2 })
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed" })).toEqual([{ type: "agent.capacity", free: 1 }])
    expect(agent.state).toBe("online")
    expect(agent.context).toMatchObject({ inflight: ["t2"], load: 0.5, successes: 1, recent: [true] })
  })

  it("RELEASE on an online agent announces the free capacity and records the outcome", () => {
    const agent = agentIn("online", ["t1", "t2"], { maxConcurrency: 3 })
    expect(agent.send({ type: "RELEASE", taskId: "t2", outcome: "timed_out" })).toEqual([{ type: "agent.capacity", free: 2 }])
    expect(agent.context).toMatchObject({ inflight: ["t1"], failures: 1, recent: [false] })
  })

  it("RELEASE while draining frees the slot without announcing it", () => {
    const agent = agentIn("draining", ["t1"])
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "completed" })).toEqual([])
    expect(agent.state).toBe("draining")
    expect(agent.context).toMatchObject({ inflight: [], load: 0, successes: 1 })
  })

  it("cancelled and lost outcomes free the slot but are neither success nor failure", () => {
    const agent = agentIn("online", ["t1", "t2"], { maxConcurrency: 3 })
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "cancelled" })
    agent.send({ type: "RELEASE", taskId: "t2", outcome: "lost" })
    expect(agent.context).toMatchObject({ inflight: [], successes: 0, failures: 0, recent: [] })
  })

  it.each(["offline", "online", "busy", "draining"] as const)(
    "a RELEASE of a task the agent does not hold changes nothing while %s",
    (state) => {
      const agent = agentIn(state, state === "busy" ? ["t1"] : [])
      const before = agent.context
      expect(agent.send({ type: "RELEASE", taskId: "other", outcome: "completed" })).toEqual([])
      expect(agent.state).toBe(state)
      expect(agent.context).toEqual(before)
    },
  )

  it("releasing the same task twice counts its outcome once", () => {
    const agent = agentIn("online", ["t1"], { maxConcurrency: 2 })
    agent.send({ type: "RELEASE", taskId: "t1", outcome: "failed" })
    expect(agent.send({ type: "RELEASE", taskId: "t1", outcome: "failed" })).toEqual([])
    expect(agent.context).toMatchObject({ failures: 1, recent: [false] })
  })
})

/** A seeded PRNG (mulberry32): the same seed always gives the same sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sameMembers = (a: Iterable<string>, b: Set<string>): boolean => {
  const list = [...a]
  return list.length === b.size && list.every((id) => b.has(id))
}

/**
 * Sends `event` and checks the agent against a model of what it holds: a task is held from its
 * `agent.reserved` until its RELEASE or an `agent.lost`. Returns the first broken rule, if any:
 * more held than maxConcurrency, a RESERVE not answered exactly once, a reservation without a
 * free slot, online without free capacity, busy with some or with an open breaker, held tasks while offline.
 */
function sendAndCheck(agent: Agent, held: Set<string>, event: Command): string | null {
  const before = { state: agent.state, free: freeCapacity(agent.context) }
  const effects = agent.send(event)
  for (const effect of effects) {
    if (effect.type !== "agent.lost") continue
    if (!sameMembers(effect.taskIds, held)) return `agent.lost ${effect.taskIds} but held ${[...held]}`
    held.clear()
  }
  if (event.type === "RESERVE") {
    const answers = effects.filter((e) => e.type === "agent.reserved" || e.type === "agent.reserve_refused")
    if (answers.length !== 1) return `RESERVE answered ${answers.length} times`
    if (answers[0]?.type === "agent.reserved") {
      if (!held.has(event.taskId) && !(before.state === "online" && before.free > 0)) {
        return `reserved ${event.taskId} while ${before.state} with ${before.free} free`
      }
      held.add(event.taskId)
    }
  }
  if (event.type === "RELEASE") held.delete(event.taskId)
  const { inflight, maxConcurrency } = agent.context
  const free = freeCapacity(agent.context)
  if (!sameMembers(inflight, held)) return `inflight ${inflight} but held ${[...held]}`
  if (inflight.length > maxConcurrency) return `${inflight.length} inflight over ${maxConcurrency}`
  if (agent.state === "online" && free === 0) return "online without free capacity"
  if (agent.state === "busy" && free > 0) return "busy with free capacity"
  if (agent.state === "busy" && agent.context.breaker === "open") return "busy with an open breaker"
  return null
}

/** Runs `events` on `agent`, failing the test at the first broken rule with the sequence so far. */
function checkAll(agent: Agent, events: Iterable<Command>): void {
  const held = new Set<string>()
  const sent: Command[] = []
  for (const event of events) {
    sent.push(event)
    const broken = sendAndCheck(agent, held, event)
    if (broken) expect.fail(`${broken} after ${JSON.stringify(sent)}`)
  }
}

describe("capacity is never over-reserved", () => {
  it("under every sequence of 5 reservations and releases of 3 tasks on 2 slots", () => {
    const moves: Command[] = ["a", "b", "c"].flatMap((taskId) => [
      { type: "RESERVE", taskId },
      { type: "RELEASE", taskId, outcome: "completed" },
    ])
    const sequences = (length: number): number[][] =>
      length === 0 ? [[]] : sequences(length - 1).flatMap((s) => moves.map((_, i) => [...s, i]))
    for (const sequence of sequences(5)) {
      checkAll(
        agentIn("online", [], { maxConcurrency: 2 }),
        sequence.map((i) => moves[i]!),
      )
    }
  })

  it("under random interleavings with presence, drain and breaker events (seeded)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed)
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
      const agent = startAgent({ maxConcurrency: 1 + Math.floor(random() * 3) })
      const tasks = ["t0", "t1", "t2", "t3", "t4", "t5"]
      function* events(): Generator<Command> {
        for (let step = 0; step < 150; step++) {
          const r = random()
          const { heartbeatSeq, breakerOpenedAt } = agent.context
          yield r < 0.35
            ? { type: "RESERVE", taskId: pick(tasks) }
            : r < 0.7
              ? { type: "RELEASE", taskId: pick(tasks), outcome: pick(OUTCOMES) }
              : pick<Command>([
                  { type: "CONNECT" },
                  { type: "HEARTBEAT" },
                  { type: "DISCONNECT" },
                  { type: "DRAIN" },
                  { type: "UNDRAIN" },
                  { type: "HEARTBEAT_EXPIRED", seq: heartbeatSeq - Math.floor(random() * 2) },
                  { type: "BREAKER_COOLDOWN", openedAt: breakerOpenedAt ?? 0 },
                ])
        }
      }
      checkAll(agent, events())
    }
  })
})
