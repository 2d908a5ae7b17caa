// An agent created by a raw XADD CREATE that leaves out `breaker_cooldown_ms` gets the deployment's
// CLAWBOT_BREAKER_COOLDOWN_MS, as one registered over HTTP does (the edge puts it in the payload): the
// runtime's decoding applies the deployment's defaults to every creation (src/runtime/inbox-codec.ts
// `inboxDecoder`, given the configuration by `clawbot runtime` and `clawbot start`). A CREATE that says
// its own cool-down keeps it.
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadConfig } from "../../../src/config.ts"
import { inboxDecoder } from "../../../src/runtime/inbox-codec.ts"
import { testDeployment, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
const COOLDOWN_MS = 2_500
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 1 })
  const config = loadConfig({}, { CLAWBOT_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS) })
  const p = deployment.keys.partition(0)
  const lease = await deployment.scripts.acquireLease(p, "defaults", 600_000)
  if (!lease.ok) throw new Error("the partition is leased already")
  await deployment.startWorker(0, lease.value, { consumer: "defaults", decode: inboxDecoder(config) })
})
afterAll(() => deployment.close())

/** Creates an agent by a raw XADD with `extra` in its payload; its stored context once applied. */
const rawAgent = async (extra: Record<string, unknown>): Promise<Record<string, unknown>> => {
  const id = randomUUID()
  const payload = JSON.stringify({ id, name: "raw", capabilities: ["raw"], ...extra })
  await deployment.redis.xadd(deployment.keys.partition(0).inbox, "*", "type", "CREATE", "actor", `agent:${id}`, "payload", payload)
  const stored = await deployment.actor("agent", id)
  return (stored.snapshot as { context: Record<string, unknown> }).context
}

describe("an agent created by a raw XADD CREATE", () => {
  it("gets the deployment's breaker cool-down when its payload has none", async () => {
    expect((await rawAgent({})).breakerCooldownMs).toBe(COOLDOWN_MS)
  })

  it("keeps the cool-down its payload says", async () => {
    expect((await rawAgent({ breaker_cooldown_ms: 700 })).breakerCooldownMs).toBe(700)
  })
})
