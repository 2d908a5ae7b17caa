// The edge's readers of stored snapshots beyond the views read them as the runtime restores them
// (src/edge/http/current.ts), the task and agent machines changed between runs: with no migration
// registered, decompose, the dependency graph and a context merge answer 409 with the quarantine's
// reason and append nothing, route explain names it as the agent's reason, and the agent's control
// socket is refused at the upgrade with 409 and the reason; once migrations are registered, each of them
// reads the snapshots migrated (the tasks a reconnecting bot is sent again among them). The bots are the
// SDK's: a refused upgrade stops one with the server's error (code, message, status).
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { ActorKind, PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { inboxAppends } from "../../support/edge.ts"
import { kindRuns, marking, type KindRun, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"
import { type AssignedTask, type ClawbotError, connectBot } from "../../../src/client/node.ts"

/** A context's migration to version 2: its data says so. */
const markData = (snapshot: PersistedSnapshot): PersistedSnapshot => {
  const context = snapshot.context as { data: Record<string, unknown> }
  return { ...snapshot, context: { ...context, data: { ...context.data, migrated: true } } }
}
const MIGRATIONS: Readonly<Record<string, (snapshot: PersistedSnapshot) => PersistedSnapshot>> = {
  task: marking("title"),
  agent: marking("name"),
  context: markData,
}

/** The product's kinds with the task, agent and context machines at version 2, migrated from 1 when `migrated`. */
const changed = (migrated: boolean): ReadonlyArray<ActorKind> =>
  KINDS.map((kind) => {
    const migration = MIGRATIONS[kind.kind]
    if (migration === undefined) return kind
    return { ...kind, version: 2, ...(migrated ? { migrations: { 1: migration } } : {}) }
  })

const unmigrated = (kind: string, id: string) =>
  `quarantined: ${kind}:${id}: its snapshot is of version 1 of the ${kind} machine, now at 2, and no migration from 1 is registered; ` +
  "register one (the kind's migrations), then replay these dead letters"

let deployment: TestDeployment
let runs: KindRuns
/** Stored by the first run (version 1 of every machine). */
const stored = { session: "", feature: "", router: "", resumer: { id: "", token: "" }, held: "", notes: [] as string[] }

/** The HTTP URL of a run's edge, as the SDK takes it. */
const urlOf = (run: KindRun) => run.ws("").replace(/^ws:/u, "http:")

beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const first = await runs.run(KINDS)
  const session = await first.api.post("/api/v1/sessions?wait=1", {
    title: "feature",
    tasks: [
      { key: "feature", title: "Feature", capability: "dc-plan" },
      { key: "ship", title: "Ship", capability: "dc-plan", depends_on: ["feature"] },
    ],
  })
  expect(session.status).toBe(201)
  Object.assign(stored, { session: session.body.id, feature: session.body.tasks[0].id })
  const router = await first.api.post("/api/v1/agents", { name: "router-a", capabilities: ["code"] })
  stored.router = router.body.id
  // The resumer's bot connects once (so a later socket resumes its session) and goes; back online over
  // HTTP, it is given a task, which stays assigned to it. (No frame is awaited on a socket that may drop.)
  const resumer = await first.api.post("/api/v1/agents", { name: "resumer", capabilities: ["resume"], heartbeat_interval_ms: 600_000 })
  stored.resumer = { id: resumer.body.id, token: resumer.body.token }
  const bot = connectBot({ url: urlOf(first), token: stored.resumer.token })
  await bot.connected()
  await bot.close()
  await deployment.actor("agent", stored.resumer.id, (row) => row.state === "offline")
  const heartbeat = await first.api.post(`/api/v1/agents/${stored.resumer.id}/heartbeat?wait=1`, {}, { token: stored.resumer.token })
  expect(heartbeat.status).toBe(200)
  stored.held = (await first.api.post("/api/v1/tasks", { title: "long job", capability: "resume" })).body.id
  await deployment.actor("task", stored.held, (row) => row.state === "assigned" && row.agentId === stored.resumer.id)
  for (const data of [{ a: 1 }, { b: 2 }])
    stored.notes.push((await first.api.post("/api/v1/contexts?wait=1", { scope: "global", data })).body.id)
  for (const task of session.body.tasks as Array<{ id: string }>) await deployment.actor("task", task.id)
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

describe("readers of stored snapshots, the machines changed", () => {
  let run: KindRun
  describe("without migrations: the quarantine's 409 and reason", () => {
    beforeAll(async () => {
      run = await runs.run(changed(false))
    })

    it("refuses to decompose a quarantined task, appending nothing", async () => {
      const appends = await inboxAppends(deployment)
      expect(await run.api.post(`/api/v1/tasks/${stored.feature}/decompose`, { template: "crud" })).toMatchObject({
        status: 409,
        body: { error: { code: "conflict", message: unmigrated("task", stored.feature) } },
      })
      expect(await inboxAppends(deployment)).toBe(appends)
    })

    it("refuses the dependency graph of a quarantined task", async () => {
      expect(await run.api.get(`/api/v1/tasks/${stored.feature}/dependencies`)).toMatchObject({
        status: 409,
        body: { error: { code: "conflict", message: unmigrated("task", stored.feature) } },
      })
    })

    it("explains a quarantined agent as a candidate that lost, the quarantine its reason", async () => {
      const answer = await run.api.post("/api/v1/agents/route", { capabilities: ["code"] })
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ agent_id: null, reason: "no candidate can take work now" })
      expect(answer.body.candidates).toEqual([
        {
          agent_id: stored.router,
          name: "",
          status: "offline",
          score: null,
          factors: null,
          picked: false,
          reason: unmigrated("agent", stored.router),
        },
      ])
    })

    it("refuses to merge a quarantined context, appending nothing", async () => {
      const appends = await inboxAppends(deployment)
      const refused = await run.api.post("/api/v1/contexts/merge", { ids: stored.notes, strategy: "last_write_wins" })
      expect(refused).toMatchObject({ status: 409, body: { error: { code: "conflict" } } })
      // The sources are read at once: the refusal names whichever was found first.
      expect(stored.notes.map((id) => unmigrated("context", id))).toContain(refused.body.error.message)
      expect(await inboxAppends(deployment)).toBe(appends)
    })

    it("refuses a quarantined agent's control socket at the upgrade with 409 and the reason", async () => {
      const bot = connectBot({ url: urlOf(run), token: stored.resumer.token })
      const refused = (await bot.connected().catch((error: unknown) => error)) as ClawbotError
      expect(refused).toMatchObject({ name: "ClawbotError", code: "conflict", status: 409 })
      expect(refused.toJSON()).toEqual({ code: "conflict", message: unmigrated("agent", stored.resumer.id) })
      await bot.close()
    })
  })

  describe("with migrations: read migrated", () => {
    beforeAll(async () => {
      run = await runs.run(changed(true))
    })

    it("sends a reconnecting bot its held task migrated", async () => {
      let sent!: (task: AssignedTask) => void
      const held = new Promise<AssignedTask>((resolve) => (sent = resolve))
      const bot = connectBot({ url: urlOf(run), token: stored.resumer.token }).handle("resume", (task, ctx) => {
        sent(task)
        return new Promise((resolve) => ctx.signal.addEventListener("abort", resolve))
      })
      expect(await bot.connected()).toMatchObject({ session_resumed: true })
      expect(await held).toMatchObject({ task_id: stored.held, title: "long job (v2)" })
      await bot.close({ timeoutMs: 0 })
    })

    it("merges a context from its migrated data", async () => {
      const merged = await run.api.post("/api/v1/contexts/merge?wait=1", { ids: stored.notes, strategy: "last_write_wins" })
      expect(merged).toMatchObject({ status: 201, body: { data: { a: 1, b: 2, migrated: true } } })
    })

    it("explains a migrated agent by its migrated name", async () => {
      const answer = await run.api.post("/api/v1/agents/route", { capabilities: ["code"] })
      expect(answer.body.candidates).toMatchObject([{ agent_id: stored.router, name: "router-a (v2)" }])
    })

    it("answers the dependency graph and the decomposition from the migrated tasks", async () => {
      const graph = await run.api.get(`/api/v1/tasks/${stored.feature}/dependencies`)
      expect(graph.status).toBe(200)
      expect(graph.body.nodes.map((node: { title: string }) => node.title)).toEqual(["Feature (v2)", "Ship (v2)"])
      const plan = await run.api.post(`/api/v1/tasks/${stored.feature}/decompose`, { template: "crud" })
      expect(plan.status).toBe(201)
      expect(plan.body.session_id).toBe(stored.session)
      expect(plan.body.subtasks.every((sub: { title: string }) => sub.title.startsWith("Feature (v2): "))).toBe(true)
    })
  })
})
