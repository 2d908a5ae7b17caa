// The runtime's statistics as it publishes them: cumulative counters and Prometheus-style histograms
// (fixed bounds, counts at or below each), which survive JSON and the schema every edge decodes with.
import { describe, expect, it } from "vitest"
import type { BatchPlan } from "../../../src/runtime/plan-batch.ts"
import type { TransitionWrite } from "../../../src/store/snapshots.ts"
import { RuntimeStats } from "../../../src/runtime/stats.ts"
import { decodeRuntimeStats } from "../../../src/schema/runtime-stats.ts"

const transition = (kind: string, n: number): TransitionWrite => ({
  kind,
  actorId: `${kind}-${n}`,
  sessionId: null,
  from: null,
  to: "created",
  event: "CREATE",
  streamId: `${n}-0`,
  at: n,
  version: 1,
  patch: {},
})

/** A batch of `acked` entries (and `dead` dead letters) that made the given transitions. */
const plan = (acked: number, transitions: TransitionWrite[], dead = 0): BatchPlan => ({
  rows: [],
  purges: [],
  outbox: [],
  working: new Map(),
  transitions,
  ackIds: Array.from({ length: acked }, (_, i) => `${i}-1`),
  deadLetters: Array.from({ length: dead }, (_, i) => ({ entry: { id: `${i}-2`, fields: {} }, reason: "malformed" })),
  counts: { applied: transitions.length, rejected: acked - transitions.length, redelivered: 0 },
})

describe("runtime statistics", () => {
  it("counts outcomes and transitions by kind, and keeps cumulative batch histograms", () => {
    const stats = new RuntimeStats()
    stats.batch(0, plan(3, [transition("task", 1), transition("task", 2), transition("agent", 3)]), { seconds: 0.02, writeSeconds: 0.004 })
    stats.batch(1, plan(40, [transition("session", 4)], 2), { seconds: 0.3, writeSeconds: 0.2 })
    stats.failure(1, new Error("postgres down"))

    const snapshot = stats.snapshot(2)
    expect(snapshot).toMatchObject({
      partitions_owned: 2,
      batches: 2,
      failures: 1,
      commands: { applied: 4, rejected: 39, redelivered: 0, dead_lettered: 2 },
      transitions: { task: 2, agent: 1, session: 1 },
    })
    const { bounds, counts, sum, count } = snapshot.batch_size
    const at = (bound: number) => counts[bounds.indexOf(bound)]
    expect([at(2), at(4), at(32), at(64), at(1024)]).toEqual([0, 1, 1, 2, 2])
    expect({ sum, count }).toEqual({ sum: 45, count: 2 })
    const seconds = snapshot.batch_seconds
    expect(seconds.counts[seconds.bounds.indexOf(0.025)]).toBe(1)
    expect(seconds.counts[seconds.bounds.indexOf(0.5)]).toBe(2)
    expect(snapshot.snapshot_write_seconds.sum).toBeCloseTo(0.204)
  })

  it("keeps each first-read entry's wait since its append, from its stream id, a clock behind Redis's as no wait", () => {
    const stats = new RuntimeStats()
    const entry = (ms: number) => ({ id: `${ms}-3`, fields: {} })
    stats.read([entry(1_000_000), entry(1_000_040), entry(1_000_199)], 1_000_200)
    stats.read([entry(2_000_500)], 2_000_000)
    const { bounds, counts, sum, count } = stats.snapshot(1).inbox_wait_seconds ?? { bounds: [], counts: [], sum: 0, count: 0 }
    const at = (bound: number) => counts[bounds.indexOf(bound)]
    // Waits of 0.2 s, 0.16 s, 1 ms and (a clock 0.5 s behind) none.
    expect([at(0.001), at(0.005), at(0.1), at(0.25), at(10)]).toEqual([2, 2, 2, 4, 4])
    expect(count).toBe(4)
    expect(sum).toBeCloseTo(0.361)
  })

  it("decodes statistics published before the inbox wait and the event-loop delay were kept", () => {
    const { inbox_wait_seconds: _, event_loop_delay_seconds: __, ...older } = new RuntimeStats().snapshot(1)
    const decoded = decodeRuntimeStats(JSON.stringify(older))
    expect(decoded.ok && [decoded.value.inbox_wait_seconds, decoded.value.event_loop_delay_seconds]).toEqual([undefined, undefined])
  })

  it("publishes the event loop's late turns", () => {
    const stats = new RuntimeStats()
    for (const seconds of [0, 0.002, 0.6]) stats.eventLoopDelaySeconds.observe(seconds)
    const decoded = decodeRuntimeStats(JSON.stringify(stats.snapshot(1)))
    const delay = decoded.ok ? decoded.value.event_loop_delay_seconds : undefined
    expect(delay).toMatchObject({ count: 3, sum: 0.602 })
    expect(delay?.counts[delay.bounds.indexOf(0.5)]).toBe(2)
  })

  it("survives JSON and the schema the edges decode with", () => {
    const stats = new RuntimeStats()
    stats.batch(0, plan(5, [transition("agent", 1)]), { seconds: 0.01, writeSeconds: 0.002 })
    const decoded = decodeRuntimeStats(JSON.stringify(stats.snapshot(1)))
    expect(decoded).toEqual({ ok: true, value: stats.snapshot(1) })
  })

  it("refuses a published value that is not valid statistics, naming what is wrong", () => {
    const good = new RuntimeStats().snapshot(0)
    const refused = (value: unknown) => {
      const decoded = decodeRuntimeStats(typeof value === "string" ? value : JSON.stringify(value))
      return decoded.ok ? "accepted" : decoded.error.message
    }
    expect(refused("{not json")).toMatch(/JSON/)
    expect(refused({ ...good, batches: -1 })).toMatch(/batches/)
    expect(refused({ ...good, batch_size: { ...good.batch_size, counts: [1] } })).toMatch(/batch_size/)
    expect(refused({ ...good, transitions: { task: 1.5 } })).toMatch(/transitions/)
  })
})
