// Token rotation reads the agent as the runtime would restore it (src/edge/http/current.ts), not its raw
// state column. The first run stores two agents, one deregistered; their rows are then put in an older
// layout in which the agent machine called `deregistered` `retired` (state column and snapshot). With
// version 2 of the agent machine and the migration from that layout, rotating the retired agent's
// token is refused as deregistered, and the other's rotates; with no migration registered, both are
// quarantined and rotation answers 409 with the quarantine's reason, the old token still working.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import type { PersistedSnapshot } from "../../../src/runtime/actor-kind.ts"
import { kindRuns, withKind, type KindRun, type KindRuns } from "../../support/kind-runs.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

/** Version 1's name for `deregistered`, brought up by the migration. */
const fromRetired = (snapshot: PersistedSnapshot): PersistedSnapshot =>
  snapshot.value === "retired" ? { ...snapshot, value: "deregistered" } : snapshot

let deployment: TestDeployment
let runs: KindRuns
const retired = { id: "", token: "" }
const active = { id: "", token: "" }

beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  runs = kindRuns(deployment, randomBytes(24).toString("base64url"))
  const first = (await runs.run(KINDS)).api
  for (const [agent, name] of [
    [retired, "retired"],
    [active, "active"],
  ] as const) {
    const registered = await first.post("/api/v1/agents", { name, capabilities: ["rot"] })
    expect(registered.status).toBe(201)
    Object.assign(agent, { id: registered.body.id, token: registered.body.token })
  }
  expect((await first.delete(`/api/v1/agents/${retired.id}?wait=1`)).status).toBe(200)
  await deployment.actor("agent", retired.id, (row) => row.state === "deregistered")
  // The older layout: the deregistered agent's state named `retired`, in its column and its snapshot.
  await deployment.schema.sql`
    update actors set state = 'retired', snapshot = jsonb_set(snapshot, '{value}', '"retired"') where kind = 'agent' and id = ${retired.id}`
})
afterAll(async () => {
  await runs?.close()
  await deployment?.close()
})

describe("token rotation, the agent machine changed", () => {
  describe("without a migration: quarantined", () => {
    let run: KindRun
    beforeAll(async () => {
      run = await runs.run(withKind("agent", { version: 2 }))
    })

    it("answers 409 with the quarantine's reason and rotates nothing", async () => {
      const refused = await run.api.post(`/api/v1/agents/${active.id}/token`)
      expect(refused.status).toBe(409)
      expect(refused.body.error).toMatchObject({ code: "conflict" })
      expect(refused.body.error.message).toContain(
        `quarantined: agent:${active.id}: its snapshot is of version 1 of the agent machine, now at 2`,
      )
      // The old token still passes authentication (the read is then refused as quarantined, not unauthorized).
      expect((await run.api.get(`/api/v1/agents/${active.id}`, { token: active.token })).status).toBe(409)
    })
  })

  describe("with the migration: read migrated", () => {
    let run: KindRun
    beforeAll(async () => {
      run = await runs.run(withKind("agent", { version: 2, migrations: { 1: fromRetired } }))
    })

    it("refuses to rotate the token of an agent whose migrated state is deregistered", async () => {
      expect(await run.api.post(`/api/v1/agents/${retired.id}/token`)).toMatchObject({
        status: 409,
        body: { error: { code: "conflict", message: `agent ${retired.id} is deregistered` } },
      })
    })

    it("rotates the token of an agent that fits: the new one works, the old one no longer", async () => {
      const rotated = await run.api.post(`/api/v1/agents/${active.id}/token`)
      expect(rotated.status).toBe(200)
      expect(rotated.body).toMatchObject({ id: active.id })
      expect((await run.api.get(`/api/v1/agents/${active.id}`, { token: rotated.body.token })).status).toBe(200)
      expect((await run.api.get(`/api/v1/agents/${active.id}`, { token: active.token })).status).toBe(401)
    })
  })
})
