// A reconnecting bot is sent again the tasks its agent holds, except one whose stored snapshot is
// quarantined (src/edge/sockets/resume.ts): the agent (whose snapshot fits) resumes, the SDK bot runs
// the held tasks that fit, in the order they were assigned, and never the quarantined one, which the
// operator finds in `GET /actors?quarantined=1` with its reason, still assigned to the agent. The
// quarantined task lies between the two others in the order the held tasks are sent, so were it sent,
// the bot would be handed it before the last one: no wait for something not to happen.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { type AssignedTask, type Bot, connectBot } from "../../../src/client/node.ts"
import { kindRuns, type KindRun, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { FAST_BACKOFF } from "../client/support.ts"

let deployment: TestDeployment
let runs: KindRuns
let run: KindRun
const bots: Bot[] = []
const agent = { id: "", token: "" }
/** Held by the agent, in the order they were assigned; the middle one is then marked in Postgres as written by a newer machine. */
const held: string[] = []
const QUARANTINED = 1

const httpUrl = (from: KindRun) => from.ws("").replace(/^ws:/, "http:")
const bot = (from: KindRun) => {
  const started = connectBot({ url: httpUrl(from), token: agent.token, backoff: FAST_BACKOFF, concurrency: 3 })
  bots.push(started)
  return started
}

beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const first = await runs.run(KINDS)
  const registered = await first.api.post("/api/v1/agents", {
    name: "resumer",
    capabilities: ["resume-q"],
    max_concurrency: 3,
    heartbeat_interval_ms: 600_000,
  })
  expect(registered.status).toBe(201)
  Object.assign(agent, { id: registered.body.id, token: registered.body.token })
  // Its bot connects once (so the next socket resumes its session) and goes; back online over HTTP,
  // the agent is given three tasks, which stay assigned to it.
  const once = bot(first)
  await once.connected()
  await once.close({ timeoutMs: 0 })
  await deployment.actor("agent", agent.id, (row) => row.state === "offline")
  expect((await first.api.post(`/api/v1/agents/${agent.id}/heartbeat?wait=1`, {}, { token: agent.token })).status).toBe(200)
  for (let i = 0; i < 3; i += 1) {
    const created = await first.api.post("/api/v1/tasks", { title: `held ${i}`, capability: "resume-q" })
    expect(created.status).toBe(201)
    held.push(created.body.id)
    await deployment.actor("task", created.body.id, (row) => row.state === "assigned" && row.agentId === agent.id)
  }
  // The order they are sent again in (oldest in their state first) is the order they were assigned.
  const since = await Promise.all(held.map(async (id) => (await deployment.actor("task", id)).stateSince))
  expect([...since].sort((a, b) => a - b)).toEqual(since)
  expect(new Set(since).size).toBe(held.length)
  const { sql } = deployment.schema
  // Written by a newer build of the task machine (a runtime rolled back): its snapshot reads fine as JSON,
  // only restoreStored's verdict keeps it from the bot.
  await sql`update actors set machine_version = 9 where kind = 'task' and id = ${held[QUARANTINED]!}`
  // A new runtime and edge: the tasks are read from their rows.
  run = await runs.run(KINDS)
})
afterAll(async () => {
  await Promise.all(bots.map((started) => started.close({ timeoutMs: 0 })))
  await runs?.close()
  await deployment?.close()
})

describe("a resumed bot whose agent holds a quarantined task", () => {
  it("runs the held tasks that fit, in order, and is never handed the quarantined one", async () => {
    const handed: AssignedTask[] = []
    const resumed = bot(run).handle("resume-q", (task, ctx) => {
      handed.push(task)
      return new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(undefined)))
    })
    expect(await resumed.connected()).toMatchObject({ agent_id: agent.id, session_resumed: true })
    const last = held.at(-1)!
    await waitFor("the last held task handed to the bot", async () => handed.find((task) => task.task_id === last))
    expect(handed.map((task) => [task.task_id, task.title, task.attempt])).toEqual([
      [held[0], "held 0", 1],
      [held[2], "held 2", 1],
    ])
    // The runtime took the bot's starts of the two; the quarantined one stays assigned to the agent.
    for (const id of [held[0]!, held[2]!]) await deployment.actor("task", id, (row) => row.state === "in_progress")
    expect(await deployment.actor("task", held[QUARANTINED]!)).toMatchObject({ state: "assigned", agentId: agent.id })
  })

  it("lists the quarantined task for the operator with its reason", async () => {
    const listed = await run.api.get("/api/v1/actors?quarantined=1")
    expect(listed.status).toBe(200)
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([held[QUARANTINED]])
    expect(listed.body.items[0].quarantined).toContain("written by version 9 of the task machine, newer than this runtime's 1")
  })
})
