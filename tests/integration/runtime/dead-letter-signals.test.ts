// Issue 8, deliverable 2: "a metric and a log line per dead letter". A runtime with a logger of this
// test's own is handed malformed raw entries and one that names an actor its partition cannot apply:
// each is dead-lettered with one `warn` line naming the partition, the entry and the reason, and counted
// in the runtime's statistics (`dead_lettered`, which /metrics shows as
// clawbot_runtime_commands_total{outcome="dead_lettered"}: tests/unit/runtime/stats.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { createLogger } from "../../../src/log.ts"
import { createScripts } from "../../../src/redis/scripts.ts"
import { decodeInboxEntry } from "../../../src/runtime/inbox-codec.ts"
import { startRuntime, type Runtime } from "../../../src/runtime/runtime.ts"
import { QUICK, testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"

let deployment: TestDeployment
let runtime: Runtime
const logged: Array<Record<string, unknown>> = []
beforeAll(async () => {
  deployment = await testDeployment({ partitions: 2 })
  const redis = await deployment.connectRedis("test-runtime")
  runtime = await startRuntime({
    redis,
    sql: deployment.schema.sql,
    scripts: createScripts(redis),
    keys: deployment.keys,
    partitions: deployment.partitions,
    kinds: KINDS,
    decode: decodeInboxEntry,
    log: createLogger("warn", { component: "runtime" }, (line) => void logged.push(JSON.parse(line) as Record<string, unknown>)),
    tuning: QUICK,
  })
})
afterAll(async () => {
  await runtime?.stop()
  await deployment?.close()
})

describe("each dead letter", () => {
  it("is logged once, naming its partition, entry and reason, and counted", async () => {
    const partition = 0
    const { inbox } = deployment.keys.partition(partition)
    const taskId = deployment.idIn("task", partition)
    const elsewhere = deployment.idIn("task", 1)
    const entries = [
      { type: "ASSIGN", actor: `task:${taskId}`, payload: "{not json" },
      { type: "CANCEL", actor: `task:${taskId}`, payload: JSON.stringify({ reason: "a\u0000b" }) },
      // Written to the wrong partition's inbox.
      { type: "CANCEL", actor: `task:${elsewhere}`, payload: JSON.stringify({ reason: "x" }) },
    ]
    const ids: string[] = []
    for (const fields of entries) ids.push((await deployment.redis.xadd(inbox, "*", ...Object.entries(fields).flat())) as string)

    const lines = await waitFor("a log line per dead letter", async () => {
      const found = logged.filter((line) => line["msg"] === "inbox entry dead-lettered")
      return found.length >= ids.length ? found : undefined
    })
    expect(lines.map(({ partition: p, id, reason }) => ({ partition: p, id, reason }))).toEqual(
      ids.map((id) => ({ partition, id, reason: expect.any(String) })),
    )
    expect(lines.map((line) => line["reason"])).toEqual([
      "payload: invalid JSON",
      expect.stringMatching(/^payload\.reason: holds a NUL character/),
      expect.stringMatching(/partition/),
    ])
    // Counted once the batch that dead-lettered them is done (its log lines come first).
    await waitFor("the dead letters counted", async () => (runtime.stats.deadLettered === ids.length ? true : undefined))
    expect(await deployment.redis.xlen(deployment.keys.partition(partition).dead)).toBe(ids.length)
  })
})
