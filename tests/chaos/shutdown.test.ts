// Graceful shutdown: a `clawbot runtime` given SIGTERM (what `docker stop` and supervisors send)
// stops reading, finishes and acknowledges its batches in hand, releases its leases and says it
// left, so another process holds every one of its partitions within a second; a SIGKILLed one's
// partitions wait for its leases to lapse. Both happen under a running workload, which must still
// complete every lifecycle exactly once. Takeover is read from the leases in Redis, the departure
// from the channel runtimes announce it on.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { audit, unsettledInboxes } from "./audit.ts"
import { BotFleet } from "./bot-fleet.ts"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { leaseOwners, waitForTakeover } from "./leases.ts"
import { RuntimeProcess } from "./runtime-process.ts"
import { Workload } from "./workload.ts"
import { waitFor } from "../support/runtime.ts"

const PARTITIONS = 8
/** Runtimes look at the membership every fifth of it (1.6 s): a takeover within a second is the
 * departure heard, not a tick that happened to come. */
const LEASE_TTL_MS = 8_000
/** A clean departure is seen at once by the others (not at their next tick, nor after the lease TTL). */
const GRACEFUL_TAKEOVER_MS = 1_000
/** A lease is renewed every fifth of its TTL, so a killed holder's lease lives on for at least this long. */
const LEASE_OUTLIVES_KILL_MS = LEASE_TTL_MS * 0.8 - 50
const FLEET = { agents: 3, maxConcurrency: 8, capability: "shutdown", heartbeatEveryMs: 1_000, redriveAfterMs: 3_000 }

let deployment: ChaosDeployment
let fleet: BotFleet | undefined
let workload: Workload | undefined
const processes: RuntimeProcess[] = []

beforeAll(async () => {
  deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: LEASE_TTL_MS })
})

afterAll(async () => {
  workload?.stop()
  await fleet?.stop()
  for (const child of processes) if (child.alive) child.crash()
  await Promise.all(processes.map((child) => child.exited))
  await deployment?.close()
})

const spawnRuntime = (): RuntimeProcess => {
  const child = new RuntimeProcess(`shutdown-runtime-${processes.length + 1}`, deployment.env)
  processes.push(child)
  return child
}

/** Waits until every partition is leased, each of `members` holding at least one. */
const settled = (members: ReadonlyArray<RuntimeProcess>) =>
  waitFor(
    "every partition leased, shared by the live runtimes",
    async () => {
      const owners = await leaseOwners(deployment.redis, deployment.keys, PARTITIONS)
      return owners.every((owner) => owner !== null) && members.every((child) => owners.includes(child.member ?? "")) ? owners : undefined
    },
    20_000,
  )

const completed = async () =>
  (await deployment.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task' and state = 'completed'`)[0]?.n ?? 0

describe("runtime shutdown", () => {
  it("hands its partitions over within a second on SIGTERM, and only after the lease TTL on SIGKILL", async () => {
    // What runtimes announce when they leave cleanly.
    const departures: string[] = []
    const listener = await deployment.connect("shutdown-departures")
    listener.on("message", (_channel: string, member: string) => departures.push(member))
    await listener.subscribe(deployment.keys.departures)
    const [first, second] = [spawnRuntime(), spawnRuntime()] as const
    await Promise.all([first.started, second.started])
    await settled([first, second])

    const bots = new BotFleet(deployment, await deployment.connect("shutdown-bots"), FLEET)
    fleet = bots
    await bots.register()
    bots.start()
    const work = new Workload(deployment.append, { tasks: 180, sessions: 6, capability: FLEET.capability, window: 16, perSecond: 40 })
    workload = work
    const feeding = work.run(() => bots.completesSent)

    // SIGTERM while work flows through both runtimes.
    await waitFor("a third of the work done", async () => ((await completed()) >= work.lifecycles / 3 ? true : undefined), 60_000)
    const held = (await leaseOwners(deployment.redis, deployment.keys, PARTITIONS)).filter((owner) => owner === first.member).length
    const terminatedAt = performance.now()
    first.child.kill("SIGTERM")
    const graceful = await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, new Set([first.member!]), terminatedAt, 20_000)
    expect(await first.exited).toBe(0)
    // It said it left, and again at each lease it released.
    expect(departures).toEqual(Array.from({ length: held + 1 }, () => first.member))
    const released = first.lifecycle.filter((line) => line.msg === "partition released" && line["why"] === "shutdown")
    expect(released).toHaveLength(held)
    expect(first.lifecycle.at(-1)?.msg).toBe("runtime stopped")

    // A third runtime joins and takes its share; then it is SIGKILLed.
    const third = spawnRuntime()
    await third.started
    await settled([second, third])
    await waitFor("two thirds of the work done", async () => ((await completed()) >= (work.lifecycles * 2) / 3 ? true : undefined), 60_000)
    const killedAt = performance.now()
    third.crash()
    const killed = await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, new Set([third.member!]), killedAt, 20_000)

    console.log(
      `takeover after SIGTERM: ${Math.round(graceful)} ms; after SIGKILL: ${Math.round(killed)} ms (lease TTL ${LEASE_TTL_MS} ms)`,
    )
    expect(graceful).toBeLessThanOrEqual(GRACEFUL_TAKEOVER_MS)
    expect(killed).toBeGreaterThanOrEqual(LEASE_OUTLIVES_KILL_MS)

    // Nothing the departed runtimes had in hand was lost or applied twice.
    await feeding
    await waitFor("every lifecycle completed", async () => ((await completed()) === work.lifecycles ? true : undefined), 60_000)
    await bots.stop()
    await waitFor(
      "inboxes drained",
      async () => ((await unsettledInboxes(deployment.redis, deployment.keys, PARTITIONS)).length === 0 ? true : undefined),
      20_000,
    )
    await second.stop()
    const result = await audit({
      sql: deployment.sql,
      redis: deployment.redis,
      keys: deployment.keys,
      partitions: PARTITIONS,
      standalone: work.standalone,
      sessions: work.sessions,
      agentIds: bots.agentIds,
      maxConcurrency: FLEET.maxConcurrency,
    })
    expect(bots.errors).toEqual([])
    expect(result.lost).toEqual([])
    expect(result.duplicated).toEqual([])
    expect(result.malformed).toEqual([])
    expect(result.broken).toEqual([])
    expect(result.missingEvents).toEqual([])
    expect(result.strayEvents).toEqual([])
  }, 180_000)
})
