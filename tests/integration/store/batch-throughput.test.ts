// Measurement: rows per second for 1000-row batches (snapshots of about 1 KB plus one transition
// each). Prints the figure; asserts only that every row was written.
import { performance } from "node:perf_hooks"
import { afterAll, beforeAll, expect, it } from "vitest"
import { type Batch, writeBatch } from "../../../src/store/snapshots.ts"
import { type TestSchema, freshSchema } from "../../support/postgres.ts"
import { move, row, sid } from "./fixtures.ts"

let pg: TestSchema
beforeAll(async () => {
  pg = await freshSchema()
})
afterAll(() => pg.drop())

const ROWS = 1000
const ROUNDS = 5
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0)

function batch(round: number): Batch {
  const streamId = (i: number) => sid(T0 + round, i)
  const rows = Array.from({ length: ROWS }, (_, i) =>
    row("task", `task-${i}`, round % 2 ? "assigned" : "ready", streamId(i), {
      snapshot: { status: "active", value: "ready", context: { id: `task-${i}`, title: "x".repeat(900), attempt: round } },
      sessionId: `session-${i % 50}`,
      capability: "code",
      priority: i % 5,
      version: round,
    }),
  )
  const transitions = rows.map((r) => move("task", r.id, "ready", r.state, r.streamId))
  return { partition: 0, fence: 1, rows, transitions }
}

it(`writes ${ROWS}-row batches in one statement each`, async () => {
  const elapsed: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const input = batch(round)
    const started = performance.now()
    const result = await writeBatch(pg.sql, input)
    elapsed.push(performance.now() - started)
    expect(result).toEqual({ _tag: "Written", actors: ROWS, transitions: ROWS })
  }
  const [count] = await pg.sql<{ n: number }[]>`select count(*)::int as n from actors where version = ${ROUNDS - 1}`
  expect(count?.n).toBe(ROWS)
  const best = Math.min(...elapsed)
  const median = [...elapsed].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? best
  console.log(
    `writeBatch: ${ROWS} rows + ${ROWS} transitions per statement: median ${median.toFixed(1)} ms ` +
      `(${Math.round((ROWS / median) * 1000)} rows/s), best ${best.toFixed(1)} ms (${Math.round((ROWS / best) * 1000)} rows/s)`,
  )
})
