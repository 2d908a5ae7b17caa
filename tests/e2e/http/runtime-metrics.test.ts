// A split deployment's /metrics: two real `clawbot runtime` child processes and an edge in this
// process with no runtime of its own. The edge shows each runtime's statistics (transitions by kind,
// outcomes, partitions owned, batch size / batch time / snapshot write histograms) with a `member`
// label, read from Redis; a SIGKILLed member's statistics go once its membership expires (whether
// or not a live runtime is left to remove them from Redis), a stopped member's at once.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { KINDS } from "../../../actors/index.ts"
import { createEdge, type Edge } from "../../../src/edge/app.ts"
import { createLogger } from "../../../src/log.ts"
import { chaosDeployment, type ChaosDeployment } from "../../chaos/deployment.ts"
import { RuntimeProcess } from "../../chaos/runtime-process.ts"
import { httpClient, type Client } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"

const PARTITIONS = 4
const LEASE_TTL_MS = 1_000

interface Sample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Every sample of `name` (exactly that name: `_bucket`, `_sum`, `_count` are names of their own). */
const samples = (text: string, name: string): Sample[] =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const end = line.lastIndexOf(" ")
      const labels = Object.fromEntries(
        [...line.slice(0, end).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
      )
      return { labels, value: Number(line.slice(end + 1)) }
    })

/** The value of `name` for the series whose labels include `labels`, or undefined. */
const valueOf = (text: string, name: string, labels: Readonly<Record<string, string>>): number | undefined =>
  samples(text, name).find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value

/** The sum of `name` over every series whose labels include `labels`. */
const total = (text: string, name: string, labels: Readonly<Record<string, string>> = {}): number =>
  samples(text, name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0)

const runtimeMembers = (text: string): Set<string> =>
  new Set(samples(text, "clawbot_runtime_batches_total").map((sample) => sample.labels["member"] ?? ""))

describe("/metrics of a split deployment", () => {
  let deployment: ChaosDeployment
  let edge: Edge
  let api: Client
  const runtimes: RuntimeProcess[] = []
  const metrics = async () => (await api.get<string>("/metrics", { token: null })).body

  beforeAll(async () => {
    deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: LEASE_TTL_MS })
    const operatorToken = randomBytes(24).toString("base64url")
    edge = await createEdge({
      redis: deployment.redis,
      sql: deployment.sql,
      keys: deployment.keys,
      partitions: PARTITIONS,
      append: deployment.append,
      log: createLogger("error"),
      kinds: KINDS,
      host: "127.0.0.1",
      port: 0,
      operatorToken,
      memberExpiryMs: LEASE_TTL_MS,
    })
    api = httpClient(`http://127.0.0.1:${edge.port}`, operatorToken)
    runtimes.push(new RuntimeProcess("metrics-a", deployment.env), new RuntimeProcess("metrics-b", deployment.env))
    await Promise.all(runtimes.map((runtime) => runtime.started))
  })

  afterAll(async () => {
    await edge?.close()
    for (const runtime of runtimes) if (runtime.alive) runtime.crash()
    await Promise.all(runtimes.map((runtime) => runtime.exited))
    await deployment?.close()
  })

  it("shows every runtime process's transitions, outcomes, partitions and batch histograms, by member", async () => {
    for (const name of ["a", "b", "c"]) expect((await api.post("/api/v1/agents", { name, capabilities: ["split"] })).status).toBe(201)
    for (const title of ["one", "two"]) expect((await api.post("/api/v1/tasks", { title, capability: "split-none" })).status).toBe(201)
    const members = runtimes.map((runtime) => runtime.member ?? "")

    const text = await waitFor("both runtimes' statistics in /metrics", async () => {
      const scraped = await metrics()
      const settled =
        total(scraped, "clawbot_runtime_transitions_total", { kind: "agent" }) === 3 &&
        total(scraped, "clawbot_runtime_transitions_total", { kind: "task" }) === 2 &&
        total(scraped, "clawbot_runtime_partitions_owned") === PARTITIONS &&
        members.every((member) => runtimeMembers(scraped).has(member))
      return settled ? scraped : undefined
    })

    expect([...runtimeMembers(text)].sort()).toEqual([...members].sort())
    expect(total(text, "clawbot_runtime_commands_total", { outcome: "applied" })).toBeGreaterThanOrEqual(5)
    expect(total(text, "clawbot_runtime_batch_size_sum")).toBeGreaterThanOrEqual(5)
    for (const member of members) {
      const batches = valueOf(text, "clawbot_runtime_batches_total", { member })
      expect(valueOf(text, "clawbot_runtime_failures_total", { member })).toBe(0)
      for (const histogram of ["clawbot_runtime_batch_size", "clawbot_runtime_batch_seconds", "clawbot_runtime_snapshot_write_seconds"]) {
        expect(valueOf(text, `${histogram}_count`, { member })).toBe(batches)
        expect(valueOf(text, `${histogram}_bucket`, { member, le: "+Inf" })).toBe(batches)
        const buckets = samples(text, `${histogram}_bucket`).filter((sample) => sample.labels["member"] === member)
        expect(buckets.map((sample) => sample.value)).toEqual(buckets.map((sample) => sample.value).sort((x, y) => x - y))
      }
    }
    // Every command the test sent waited in an inbox for a measured time before its first read.
    expect(total(text, "clawbot_runtime_inbox_wait_seconds_count")).toBeGreaterThanOrEqual(5)
    for (const member of members) {
      const waits = samples(text, "clawbot_runtime_inbox_wait_seconds_bucket").filter((sample) => sample.labels["member"] === member)
      expect(waits.map((sample) => sample.value)).toEqual(waits.map((sample) => sample.value).sort((x, y) => x - y))
      expect(valueOf(text, "clawbot_runtime_inbox_wait_seconds_bucket", { member, le: "+Inf" })).toBe(
        valueOf(text, "clawbot_runtime_inbox_wait_seconds_count", { member }),
      )
    }
    // At least one batch, of at least one entry, with a snapshot write shorter than the whole batch.
    expect(total(text, "clawbot_runtime_batches_total")).toBeGreaterThanOrEqual(1)
    expect(total(text, "clawbot_runtime_batch_size_bucket", { le: "1024" })).toBe(total(text, "clawbot_runtime_batches_total"))
    expect(total(text, "clawbot_runtime_snapshot_write_seconds_sum")).toBeLessThanOrEqual(total(text, "clawbot_runtime_batch_seconds_sum"))
  })

  it("tells of a runtime's stalled event loop in its log and in /metrics, and shows the edge's own loop", async () => {
    const [stalled] = runtimes as [RuntimeProcess]
    const member = stalled.member ?? ""
    const lateTurns = (text: string) =>
      total(text, "clawbot_runtime_event_loop_delay_seconds_count", { member }) -
      total(text, "clawbot_runtime_event_loop_delay_seconds_bucket", { member, le: "0.25" })
    const before = lateTurns(await metrics())
    // Stopped for 600 ms: its loop turns late by about that much once it runs again (the warning's bar: a quarter of
    // the 1 s lease TTL, so 250 ms).
    stalled.pause()
    await new Promise((resolve) => setTimeout(resolve, 600))
    stalled.resume()
    const warning = await waitFor("the stall in its log", async () =>
      stalled.problems.find((line) => line.msg.startsWith("event loop stalled")),
    )
    expect(warning).toMatchObject({ level: "warn", leaseTtlMs: LEASE_TTL_MS })
    expect((warning as unknown as { stalledMs: number }).stalledMs).toBeGreaterThanOrEqual(400)
    await waitFor("the late turn in /metrics", async () => (lateTurns(await metrics()) > before ? true : undefined))
    // The edge observes its own loop every 100 ms.
    const text = await metrics()
    expect(total(text, "clawbot_event_loop_delay_seconds_count")).toBeGreaterThan(0)
    expect(total(text, "clawbot_event_loop_delay_seconds_bucket", { le: "+Inf" })).toBe(
      total(text, "clawbot_event_loop_delay_seconds_count"),
    )
  })

  it("drops a killed member's statistics once its membership expires, and a stopped member's at once", async () => {
    const [survivor, victim] = runtimes as [RuntimeProcess, RuntimeProcess]
    const gone = (member: string | undefined) => async () => {
      const scraped = await metrics()
      return runtimeMembers(scraped).has(member ?? "") ? undefined : scraped
    }
    victim.crash()
    const afterKill = await waitFor("the killed member's statistics to go", gone(victim.member))
    expect([...runtimeMembers(afterKill)]).toEqual([survivor.member])
    expect(afterKill).not.toContain(`member="${victim.member}"`)
    // The survivor takes the dead member's partitions over, and removes its statistics from Redis.
    await waitFor(
      "the survivor to own every partition",
      async () =>
        valueOf(await metrics(), "clawbot_runtime_partitions_owned", { member: survivor.member ?? "" }) === PARTITIONS || undefined,
    )
    await waitFor("the killed member's field to be removed", async () =>
      (await deployment.redis.hkeys(deployment.keys.stats)).includes(victim.member ?? "") ? undefined : true,
    )

    // With no runtime left to remove its field, the last one killed still leaves /metrics.
    survivor.crash()
    const none = await waitFor("the last killed member's statistics to go", gone(survivor.member))
    expect(none).not.toContain('member="')
    expect(await deployment.redis.hkeys(deployment.keys.stats)).toEqual([survivor.member])

    // A newcomer publishes (and removes the dead member's field); once stopped, it is gone at once.
    const newcomer = new RuntimeProcess("metrics-c", deployment.env)
    runtimes.push(newcomer)
    await newcomer.started
    await waitFor(
      "the newcomer's statistics alone in Redis",
      async () => (await deployment.redis.hkeys(deployment.keys.stats)).join() === newcomer.member || undefined,
    )
    expect(runtimeMembers(await metrics())).toEqual(new Set([newcomer.member]))
    // A grace period far beyond a clean stop's (well under a second here), for a CI host running the whole suite.
    await newcomer.stop(30_000)
    // It shut down cleanly (not SIGKILLed after the grace period), so it left and withdrew its statistics.
    const said = [...newcomer.lifecycle, ...newcomer.problems].map((line) => `${line.level} ${line.msg}`)
    expect(said, newcomer.describe()).toContain("info runtime stopped")
    const empty = await metrics()
    expect(samples(empty, "clawbot_runtime_batches_total")).toEqual([])
    expect(empty).not.toContain('member="')
    expect(await deployment.redis.hlen(deployment.keys.stats)).toBe(0)
  })
})
