// A task's dependency graph read from its linked tasks only (src/edge/http/task-graph.ts), on real Redis and
// Postgres with sessions created over HTTP: the graph of a task of a session holding two separate graphs reads one
// query a level of its own graph and never the session's other tasks; a graph deeper than MAX_LEVELS is read with the
// session's tasks at once and answers the same; a standalone task reads nothing more.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { linkedTasks, MAX_LEVELS } from "../../../src/edge/http/task-graph.ts"
import { currentOr404 } from "../../../src/edge/http/current.ts"
import type { EdgeContext } from "../../../src/edge/context.ts"
import type { Sql } from "../../../src/store/db.ts"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

let t: TestEdge
const kinds = new Map(KINDS.map((kind) => [kind.kind, kind]))

beforeAll(async () => {
  t = await testEdge()
})
afterAll(() => t.close())

/** `sql` counting the statements that read actor rows (their text, in order). */
const counting = (sql: Sql): { readonly sql: Sql; readonly reads: string[] } => {
  const reads: string[] = []
  const proxy = new Proxy(sql, {
    apply(target, self, args: unknown[]) {
      const strings = args[0] as TemplateStringsArray | undefined
      if (Array.isArray(strings) && "raw" in strings && strings.join("?").includes("from actors")) reads.push(strings.join("?"))
      return Reflect.apply(target, self, args)
    },
  })
  return { sql: proxy, reads }
}

/** A pending session of `tasks` (key, depends_on keys), once all its tasks are stored: their ids by key. */
const session = async (tasks: ReadonlyArray<{ key: string; depends_on?: string[] }>): Promise<Record<string, string>> => {
  const answer = await t.api.post("/api/v1/sessions", {
    title: "graph",
    tasks: tasks.map((task) => ({ ...task, title: task.key, capability: "tg-none" })),
  })
  expect(answer.status).toBe(201)
  const ids: Record<string, string> = Object.fromEntries(
    (answer.body.tasks as Array<{ id: string; key: string }>).map((task) => [task.key, task.id]),
  )
  for (const id of Object.values(ids)) {
    await waitFor(`task ${id}`, async () => ((await t.api.get(`/api/v1/tasks/${id}`)).status === 200 ? true : undefined))
  }
  return ids
}

const graphOf = async (id: string) => {
  const counted = counting(t.deployment.schema.sql)
  const ctx = { sql: t.deployment.schema.sql, kinds } as unknown as EdgeContext
  const linked = await linkedTasks(counted.sql, kinds, await currentOr404(ctx, "task", id))
  return { ids: linked.map((task) => task.id), reads: counted.reads }
}

describe("a task's dependency graph", () => {
  it("reads its own graph level by level, never the session's other tasks", async () => {
    // a ← b ← c, a ← d; e alone; f ← g; forty more tasks with no link
    const ids = await session([
      { key: "a" },
      { key: "b", depends_on: ["a"] },
      { key: "c", depends_on: ["b"] },
      { key: "d", depends_on: ["a"] },
      { key: "e" },
      { key: "f" },
      { key: "g", depends_on: ["f"] },
      ...Array.from({ length: 40 }, (_, i) => ({ key: `x${i}` })),
    ])
    const fromC = await graphOf(ids["c"]!)
    expect(fromC.ids).toEqual([ids["a"], ids["b"], ids["c"], ids["d"]])
    // c's level (b), b's (a), a's (d): three reads of rows by id, none by session
    expect(fromC.reads).toHaveLength(3)
    expect(fromC.reads.every((text) => !text.includes("session_id"))).toBe(true)
    expect((await graphOf(ids["g"]!)).ids).toEqual([ids["f"], ids["g"]])
    const alone = await graphOf(ids["e"]!)
    expect(alone).toEqual({ ids: [ids["e"]], reads: [] })
  })

  it(`reads a graph deeper than ${MAX_LEVELS} levels with its session's tasks at once, and answers the same`, async () => {
    const chain = Array.from({ length: MAX_LEVELS + 3 }, (_, i) => ({ key: `c${i}`, ...(i > 0 ? { depends_on: [`c${i - 1}`] } : {}) }))
    const ids = await session([...chain, { key: "other" }])
    const deep = await graphOf(ids["c0"]!)
    expect(deep.ids).toEqual(chain.map((task) => ids[task.key]))
    expect(deep.reads).toHaveLength(MAX_LEVELS + 1)
    expect(deep.reads.at(-1)).toContain("session_id")
    // from the middle, both ways stay within the levels
    const middle = await graphOf(ids[`c${Math.floor(chain.length / 2)}`]!)
    expect(middle.ids).toEqual(deep.ids)
    expect(middle.reads.every((text) => !text.includes("session_id"))).toBe(true)
  })

  it("answers a standalone task as itself without another read", async () => {
    const id = (await t.api.post("/api/v1/tasks", { title: "alone", capability: "tg-alone" })).body.id as string
    await waitFor("the task", async () => ((await t.api.get(`/api/v1/tasks/${id}`)).status === 200 ? true : undefined))
    expect(await graphOf(id)).toEqual({ ids: [id], reads: [] })
  })
})
