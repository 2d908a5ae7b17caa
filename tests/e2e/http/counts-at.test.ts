// GET /actors/counts (src/edge/http/counts.ts) counts what the lists show and is tied to the event stream:
// - a quarantined task is counted apart (`quarantined`), not in its state, as /tasks leaves it out and
//   /actors?quarantined=1 lists it; the counts by state are the lists' own;
// - under load (tasks cancelled while the counts are read again and again), every answer, moved by the
//   events after its `cursor` as the dashboard moves it (web/src/data/counts.ts `Totals`), comes to the
//   counts read once everything settled: no transition counted twice or missed, whichever answer;
// - an actor whose command still waits in an inbox is in `versions` with its version (its events after the
//   cursor may be counted already).
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { inboxBacklog } from "../../../src/redis/inbox-backlog.ts"
import { decodeEventStreamEntry } from "../../../src/schema/event-stream.ts"
import { Totals, type CountsAnswer } from "../../../web/src/data/counts.ts"
import type { ActorEvent, Kind } from "../../../web/src/data/types.ts"
import { edgeOn, httpClient, type Client } from "../../support/edge.ts"
import { kindRuns, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
let runs: KindRuns
let api: Client
const TASKS = 120
const TOKEN = randomBytes(24).toString("base64url")
const ids: string[] = []
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, TOKEN)
  api = (await runs.run(KINDS)).api
  const created = await api.post("/api/v1/tasks/batch", {
    tasks: Array.from({ length: TASKS + 1 }, (_, i) => ({ title: `counted ${i}`, capability: "nobody-has-it" })),
  })
  expect(created.status).toBe(202)
  ids.push(...(created.body.items as Array<{ id: string }>).map((item) => item.id))
  await waitFor("every task ready", async () => ((await counts()).counts.task?.ready === TASKS + 1 ? true : undefined), 30_000)
}, 60_000)
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

const counts = async (): Promise<CountsAnswer> => {
  const answer = await api.get("/api/v1/actors/counts")
  expect(answer.status).toBe(200)
  return answer.body
}

/** Every item of a list, following next_cursor. */
const listAll = async (path: string): Promise<Array<Record<string, unknown>>> => {
  const items: Array<Record<string, unknown>> = []
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page: { body: { items: Array<Record<string, unknown>>; next_cursor: string | null } } = await api.get(
      `${path}${path.includes("?") ? "&" : "?"}limit=200${cursor === "" ? "" : `&cursor=${cursor}`}`,
    )
    items.push(...page.body.items)
    cursor = page.body.next_cursor
  }
  return items
}

const byState = (items: Array<Record<string, unknown>>): Record<string, number> => {
  const of: Record<string, number> = {}
  for (const item of items) of[String(item.status)] = (of[String(item.status)] ?? 0) + 1
  return of
}

/** The transitions published after `cursor`, as the dashboard's socket hands them over. */
const eventsAfter = async (cursor: string): Promise<ActorEvent[]> => {
  const entries = await deployment.redis.xrange(deployment.keys.events, `(${cursor}`, "+")
  return entries.flatMap(([id, flat]) => {
    const fields: Record<string, string> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!
    const decoded = decodeEventStreamEntry(fields)
    if (!decoded.ok || decoded.value.type !== "event") return []
    const { actorId, ...event } = decoded.value.event
    return [{ ...event, actor_id: actorId, cursor: id } as unknown as ActorEvent]
  })
}

const asRecord = (counts: Totals["counts"], kind: Kind) => Object.fromEntries([...counts[kind]].filter(([, n]) => n !== 0))

describe("GET /actors/counts", () => {
  it("moved by the events after its cursor, every answer read under load comes to the settled counts", async () => {
    const answers: CountsAnswer[] = []
    let cancelling = true
    const cancel = (async () => {
      try {
        for (let wave = 0; wave < TASKS / 20; wave += 1) {
          await Promise.all(
            ids.slice(1 + wave * 20, 1 + (wave + 1) * 20).map(async (id) => {
              expect((await api.post(`/api/v1/tasks/${id}/cancel`, { reason: "counted" })).status).toBe(202)
            }),
          )
        }
      } finally {
        cancelling = false
      }
    })()
    while (cancelling) answers.push(await counts())
    await cancel
    await waitFor(
      "every command applied",
      async () => ((await inboxBacklog(deployment.redis, deployment.keys, 1)).entries === 0 ? true : undefined),
      30_000,
    )
    const settled = await counts()
    expect(settled.counts.task).toEqual({ ready: 1, cancelled: TASKS })
    expect(answers.length).toBeGreaterThan(1)
    // Some answers were read while transitions were on their way (else this proves little).
    expect(
      answers.filter((answer) => answer.counts.task?.cancelled !== undefined && answer.counts.task.cancelled < TASKS).length,
    ).toBeGreaterThan(0)
    for (const answer of answers) {
      const totals = new Totals(answer)
      for (const event of await eventsAfter(answer.cursor)) if (event.kind === "task") totals.apply("task", event)
      expect({ cursor: answer.cursor, task: asRecord(totals.counts, "task") }).toEqual({ cursor: answer.cursor, task: settled.counts.task })
    }
  }, 120_000)

  it("lists an actor with a command waiting in its inbox in versions, with its version and counted", async () => {
    expect((await counts()).versions).toEqual([])
    // No runtime: a command to the ready task waits in the inbox.
    await runs.close()
    const edge = await edgeOn(deployment, { operatorToken: TOKEN, edge: { kinds: KINDS } })
    try {
      const alone = httpClient(`http://127.0.0.1:${edge.port}`, TOKEN)
      await deployment.append({ kind: "task", id: ids[0]!, type: "CANCEL", payload: { reason: "later" } })
      const version = (await alone.get(`/api/v1/actors/task/${ids[0]}`)).body.version
      const answer = (await alone.get("/api/v1/actors/counts")).body as CountsAnswer
      expect(answer.versions).toEqual([{ kind: "task", id: ids[0], version, counted: true }])
      expect(answer.counts.task).toEqual({ ready: 1, cancelled: TASKS })
    } finally {
      await edge.close()
    }
    api = (await runs.run(KINDS)).api
    await waitFor(
      "the waiting command applied",
      async () => ((await counts()).counts.task?.cancelled === TASKS + 1 ? true : undefined),
      30_000,
    )
  })

  it("counts a quarantined task apart, as the lists leave it out and /actors?quarantined=1 lists it", async () => {
    const { sql } = deployment.schema
    // A cancelled task's context spoiled in Postgres: it no longer decodes.
    await sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '5') where id = ${ids[1]!}`
    const answer = await counts()
    expect(answer.quarantined).toEqual({ task: 1 })
    expect(answer.counts.task).toEqual(byState(await listAll("/api/v1/tasks")))
    expect(answer.counts.task).toEqual({ cancelled: TASKS })
    const listed = await listAll("/api/v1/actors?quarantined=1&kind=task")
    expect(listed.map((item) => item.id)).toEqual([ids[1]])
  })
})
