// Migration 010: agent rows without a routing_score (last written before migration 008) get the score the runtime
// writes (actors/agent.ts `columns`: machines/routing-score.ts `idleScore` of the restored context), computed in SQL
// from the stored snapshot, compact (members at their stored defaults left out) or in full; rows that take no work
// and contexts the runtime could not restore keep null. Real Postgres; random agent contexts.
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { initialTransition } from "xstate"
import { agentKind } from "../../../actors/agent.ts"
import { agentMachine, type AgentContext, type ReportedStatus } from "../../../machines/agent.ts"
import { idleScore } from "../../../machines/routing-score.ts"
import type { PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { compactSnapshot } from "../../../src/runtime/stored-snapshot.ts"
import { MIGRATIONS_DIR } from "../../../src/store/migrate.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"

let pg: TestSchema
let backfill: string
beforeAll(async () => {
  pg = await freshSchema()
  const file = (await readdir(MIGRATIONS_DIR)).find((name) => name.startsWith("010_"))
  if (file === undefined) throw new Error("no migration 010")
  backfill = await readFile(join(MIGRATIONS_DIR, file), "utf8")
})
afterAll(() => pg.drop())

/** A deterministic pseudo-random sequence (mulberry32), so a failure names a seed that repeats it. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
const STATES = ["online", "online", "online", "online", "busy", "offline", "draining"] as const
const STATUSES: ReadonlyArray<ReportedStatus | null> = [null, "healthy", "degraded", "busy"]
const BREAKERS = ["closed", "closed", "half_open", "open"] as const

const base = initialTransition(agentMachine, { id: "x", name: "x", capabilities: ["code"], at: 1_000 })[0].context

/** A random agent context the machine could hold, and its state. */
const randomAgent = (next: () => number, n: number): { id: string; state: string; context: AgentContext } => {
  const pick = <T>(list: ReadonlyArray<T>): T => list[Math.floor(next() * list.length)] as T
  const maxConcurrency = 1 + Math.floor(next() * 5)
  const inflight = Array.from({ length: Math.floor(next() * (maxConcurrency + 1)) }, (_, i) => `t${n}-${i}`)
  const recent = Array.from({ length: Math.floor(next() * 11) }, () => next() < 0.6)
  const id = `agent-${String(n).padStart(3, "0")}`
  const context: AgentContext = {
    ...base,
    id,
    name: id,
    capabilities: Array.from({ length: 1 + Math.floor(next() * 4) }, (_, i) => `cap-${i}`),
    maxConcurrency,
    inflight,
    // The load a bot reports, or its reservations' share (as the machine keeps it).
    load: next() < 0.5 ? next() : inflight.length / maxConcurrency,
    recent,
    successes: recent.filter(Boolean).length,
    failures: recent.filter((ok) => !ok).length,
    reportedStatus: pick(STATUSES),
    breaker: pick(BREAKERS),
  }
  return { id, state: pick(STATES), context }
}

/** Writes the row as the runtime would (compact or in full), with the runtime's columns, the score left null. */
const insert = async (id: string, state: string, snapshot: unknown, columns: ReturnType<typeof agentKind.columns>) => {
  const now = new Date()
  await pg.sql`
    insert into actors (kind, id, state, snapshot, stream_id, stream_ms, stream_seq, fence, version,
      capabilities, load, free_capacity, routing_score, created_at, updated_at, state_since)
    values ('agent', ${id}, ${state}, ${pg.sql.json(snapshot as never)}, '1-0', 1, 0, 1, 1,
      ${columns.capabilities as string[]}, ${columns.load as number}, ${columns.freeCapacity as number}, null, ${now}, ${now}, ${now})`
}
const scores = async (): Promise<Map<string, number | null>> => {
  const rows = await pg.sql<{ id: string; score: number | null }[]>`select id, routing_score as score from actors where kind = 'agent'`
  return new Map(rows.map((row) => [row.id, row.score]))
}

describe("migration 010 (routing_score backfill)", () => {
  it("gives each agent row without a score the one the runtime writes, and leaves null where the runtime writes null", async () => {
    const next = random(20261130)
    const agents = Array.from({ length: 300 }, (_, n) => randomAgent(next, n))
    const expected = new Map<string, number | null>()
    for (const [n, agent] of agents.entries()) {
      const persisted = { status: "active", value: agent.state, historyValue: {}, children: {}, context: agent.context }
      // Every other row in the compact form the runtime writes now, the others in full (as written before it).
      const snapshot = n % 2 === 0 ? compactSnapshot(agentKind, agent.id, persisted as unknown as PersistedSnapshot) : persisted
      const columns = agentKind.columns(agent.context, agent.state)
      await insert(agent.id, agent.state, snapshot, columns)
      expected.set(agent.id, columns.routingScore ?? null)
    }
    // What the runtime's write reads back as (the column is a real): its score written to a row of its own.
    const runtimeWritten = new Map<string, number | null>()
    for (const [id, score] of expected) {
      const [row] = await pg.sql<{ score: number | null }[]>`select ${score}::real as score`
      runtimeWritten.set(id, row?.score ?? null)
    }
    expect([...expected.values()].filter((score) => score !== null).length).toBeGreaterThan(60)
    expect([...expected.values()].filter((score) => score === null).length).toBeGreaterThan(30)

    await pg.sql.unsafe(backfill)
    expect(await scores()).toEqual(runtimeWritten)
    // The score is idleScore of the context: spot-check the formula on a row in full view.
    const scored = agents.find((agent) => expected.get(agent.id) !== null)
    expect(scored && expected.get(scored.id)).toBe(scored && idleScore(scored.context))
  })

  it("keeps a score already written, and leaves a context the runtime cannot restore null (the migration does not fail)", async () => {
    const now = new Date()
    const rows: ReadonlyArray<[string, unknown, number | null]> = [
      ["scored", { capabilities: ["code"], breaker: "closed" }, 0.125],
      ["broken-max", { capabilities: ["code"], maxConcurrency: "two", breaker: "closed" }, null],
      ["broken-caps", { capabilities: "code", breaker: "closed" }, null],
      ["broken-recent", { capabilities: ["code"], recent: { a: 1 }, breaker: "closed" }, null],
      ["no-context", null, null],
    ]
    for (const [id, context, score] of rows) {
      await pg.sql`
        insert into actors (kind, id, state, snapshot, stream_id, stream_ms, stream_seq, fence, version,
          capabilities, load, free_capacity, routing_score, created_at, updated_at, state_since)
        values ('agent', ${id}, 'online', ${pg.sql.json({ value: "online", context } as never)}, '1-0', 1, 0, 1, 1,
          ${["code"]}, 0, 1, ${score}, ${now}, ${now}, ${now})`
    }
    await pg.sql.unsafe(backfill)
    const after = await scores()
    for (const [id, , score] of rows) expect([id, after.get(id)]).toEqual([id, score])
  })
})
