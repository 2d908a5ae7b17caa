// What starting a session costs in inbox entries (docs/performance.md, "Round 8: sessions"): a session of N
// tasks created and then started appends the session's CREATE and START, one CREATE and one SESSION_RUN per
// task, and its tasks' reports in batched entries (one per batch of a partition, not one per report); a
// session created with `start: true` creates its tasks runnable and sends no SESSION_RUN at all. Counted
// as XINFO STREAM entries-added over every partition's inbox (applied entries are deleted, so not XLEN).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sessionTaskId } from "../../../machines/task-ids.ts"
import { entriesAdded, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

const TASKS = 200
/** The reports' entries allowed per partition: a handful of batches each, far below one per report. */
const REPORT_ENTRIES_PER_PARTITION = 4

let deployment: TestDeployment
beforeAll(async () => {
  deployment = await testDeployment()
  await deployment.startRuntime()
})
afterAll(() => deployment.close())

const inboxEntries = async (): Promise<number> => {
  const counts = await Promise.all(
    Array.from({ length: deployment.partitions }, (_, p) => entriesAdded(deployment.redis, deployment.keys.partition(p).inbox)),
  )
  return counts.reduce((sum, n) => sum + n, 0)
}

/** A session of TASKS tasks with no dependencies, of a capability no agent has (they wait ready once it runs). */
const createSession = async (start: boolean): Promise<string> => {
  const id = randomUUID()
  const tasks = Array.from({ length: TASKS }, (_, index) => ({
    id: sessionTaskId(id, index),
    key: `t${index}`,
    title: `task ${index}`,
    capability: `nobody-${id}`,
    dependsOn: [],
    spec: { payload: {} },
  }))
  await deployment.append({ kind: "session", id, type: "CREATE", payload: { id, title: "entries", start, tasks } })
  return id
}

/** Waits until the session counts every task ready (each one's report of it applied) and every task is stored ready. */
const allReady = async (sessionId: string): Promise<void> => {
  await deployment.actor(
    "session",
    sessionId,
    (row) => (row.snapshot as { context: { metrics: { tasks: { ready: number } } } }).context.metrics.tasks.ready === TASKS,
    30_000,
  )
  await waitFor(
    "every task stored ready",
    async () => {
      const rows = await deployment.schema.sql<{ n: number }[]>`
        select count(*)::int as n from actors where kind = 'task' and session_id = ${sessionId} and state = 'ready'`
      return rows[0]?.n === TASKS ? true : undefined
    },
    30_000,
  )
}

describe("starting a session of many tasks", () => {
  it("created, then started: two entries per task (CREATE, SESSION_RUN) and its reports batched", async () => {
    const before = await inboxEntries()
    const sessionId = await createSession(false)
    await deployment.actor("task", sessionTaskId(sessionId, TASKS - 1), (row) => row.state === "blocked", 30_000)
    await deployment.append({ kind: "session", id: sessionId, type: "START", payload: {} })
    await allReady(sessionId)
    const appended = (await inboxEntries()) - before
    const commands = 2 + 2 * TASKS // session CREATE and START; each task's CREATE and SESSION_RUN
    expect(appended).toBeGreaterThan(commands) // its reports took at least one entry
    expect(appended).toBeLessThanOrEqual(commands + REPORT_ENTRIES_PER_PARTITION * deployment.partitions)
  })

  it("created with start: true: one entry per task (its CREATE, runnable at once), no SESSION_RUN and no report", async () => {
    const before = await inboxEntries()
    const sessionId = await createSession(true)
    await allReady(sessionId)
    const appended = (await inboxEntries()) - before
    // The session's CREATE and each task's: created ready, a task has nothing to report (its session counted it).
    expect(appended).toBe(1 + TASKS)
    const transitions = await deployment.transitions("task", sessionTaskId(sessionId, 0))
    expect(transitions.map((step) => `${step.event} ${step.from}->${step.to}`)).toEqual(["CREATE null->ready"])
  })
})
