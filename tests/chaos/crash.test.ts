// Crash test: real `clawbot runtime` processes share one deployment while a fleet of simulated
// bots runs thousands of task lifecycles through them; every few seconds one process is
// SIGKILLed (a new one starts at once) or SIGSTOPped for about its lease TTL. Afterwards
// Postgres and the event stream must show every lifecycle completed exactly once: nothing lost,
// nothing applied twice, no event missing for a subscriber. Prints its figures.
// CHAOS_TASKS / CHAOS_SESSIONS scale the work; CHAOS_LOG_DIR=<dir> keeps every process's log.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { givenSlots } from "../../src/redis/ready-queue.ts"
import { audit, unsettledInboxes } from "./audit.ts"
import { BotFleet } from "./bot-fleet.ts"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { waitForTakeover } from "./leases.ts"
import { RuntimeProcess } from "./runtime-process.ts"
import { Workload } from "./workload.ts"

const PARTITIONS = 8
const LEASE_TTL_MS = 1_000
const PROCESSES = 3
/** About 8 events and pushes per lifecycle: far below the event stream's retention (100 000). */
const TASKS = Number(process.env.CHAOS_TASKS ?? 2_000)
const SESSIONS = Number(process.env.CHAOS_SESSIONS ?? 40)
const FLEET = { agents: 4, maxConcurrency: 16, capability: "chaos", heartbeatEveryMs: 2_000, redriveAfterMs: 3_000 }
/** Lifecycles open at a time: below the fleet's capacity, so work does not queue up. */
const WINDOW = 48
// About 40 s of lifecycles whatever the machine's speed: a dozen faults fall among them.
const PER_SECOND = 50
/** Faults stop by then; what is still not completed after a quiet grace period is lost. */
const FAULTS_FOR_MS = 90_000
const GRACE_MS = 45_000
const FAULT_EVERY_MS = [1_500, 3_500] as const
/** Every third fault pauses a process rather than kill it, for about its lease TTL: it may wake
 * up before, while or after a new owner takes its partitions over. */
const PAUSE_EVERY = 3
const PAUSE_MS = [LEASE_TTL_MS * 0.8, LEASE_TTL_MS * 2] as const

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const random = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low)

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
  for (const child of processes) if (child.alive) child.crash() // SIGKILL ends a paused one too
  await Promise.all(processes.map((child) => child.exited))
  await deployment?.close()
})

const spawnRuntime = (): RuntimeProcess => {
  const child = new RuntimeProcess(`runtime-${processes.length + 1}`, deployment.env)
  processes.push(child)
  return child
}

const count = async (query: Promise<Array<{ n: number }>>): Promise<number> => (await query)[0]?.n ?? 0

const until = async (probe: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  for (const deadline = Date.now() + timeoutMs; !(await probe()) && Date.now() < deadline; ) await sleep(100)
}

describe("crash test", () => {
  // Not retried: a second run would share this deployment, whose completed lifecycles end its fault loop at once.
  it("completes every lifecycle exactly once while runtime processes are SIGKILLed", { timeout: 240_000, retry: 0 }, async () => {
    const began = performance.now()
    await Promise.all(Array.from({ length: PROCESSES }, () => spawnRuntime().started))
    await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, new Set(), performance.now(), 15_000)

    const bots = new BotFleet(deployment, await deployment.connect("chaos-bots"), FLEET)
    fleet = bots
    await bots.register()
    bots.start()
    const work = new Workload(deployment.append, {
      tasks: TASKS,
      sessions: SESSIONS,
      capability: FLEET.capability,
      window: WINDOW,
      perSecond: PER_SECOND,
    })
    workload = work
    const feeding = work.run(() => bots.completesSent)

    const completed = () => count(deployment.sql`select count(*)::int as n from actors where kind = 'task' and state = 'completed'`)
    const done = async () => (await completed()) === work.lifecycles
    const takeovers: number[] = []
    const crashed = new Set<string>()
    const faults = { kills: 0, pauses: 0 }
    /** Each fault with its epoch ms, to set beside the stream ids of repeated events. */
    const faultTimes: string[] = []
    const workStarted = Date.now()
    while (!(await done()) && Date.now() - workStarted < FAULTS_FOR_MS) {
      for (const wake = Date.now() + random(FAULT_EVERY_MS); Date.now() < wake && !(await done()); ) await sleep(250)
      const started = processes.filter((child) => child.alive && child.member !== undefined)
      const victim = started[Math.floor(Math.random() * started.length)]
      if (!victim?.member || (await done())) continue
      const faultAt = performance.now()
      if ((faults.kills + faults.pauses) % PAUSE_EVERY === PAUSE_EVERY - 1) {
        victim.pause()
        faults.pauses += 1
        const pausedAt = Date.now()
        await sleep(random(PAUSE_MS))
        victim.resume()
        faultTimes.push(`${victim.member} paused ${pausedAt}-${Date.now()}`)
      } else {
        faultTimes.push(`${victim.member} killed ${Date.now()}`)
        victim.crash()
        faults.kills += 1
        crashed.add(victim.member)
        spawnRuntime()
        takeovers.push(await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, crashed, faultAt, 20_000))
      }
    }
    await feeding

    // Let the last releases reach the agents and the inboxes drain, then stop every process cleanly.
    // An agent holds something while its machine counts a slot, or while the router has given it a slot straight (a
    // wake) that has not gone back to it by RELEASE yet (its GIVEN may come after that RELEASE).
    const busyAgents = async () =>
      (await count(
        deployment.sql`select count(*)::int as n from actors where kind = 'agent' and snapshot->'context'->'inflight' != '[]'::jsonb`,
      )) +
      (await Promise.all(bots.agentIds.map((id) => givenSlots(deployment.redis, deployment.keys, id)))).filter((given) => given.length > 0)
        .length
    await until(async () => (await done()) && (await busyAgents()) === 0, GRACE_MS)
    const workMs = Date.now() - workStarted
    await bots.stop()
    await until(async () => (await unsettledInboxes(deployment.redis, deployment.keys, PARTITIONS)).length === 0, 20_000)
    await Promise.all(processes.map((child) => child.stop()))

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
    const warnings = new Map<string, number>()
    for (const line of processes.flatMap((child) => child.problems)) warnings.set(line.msg, (warnings.get(line.msg) ?? 0) + 1)
    const average = takeovers.reduce((sum, ms) => sum + ms, 0) / Math.max(1, takeovers.length)
    console.log(
      `crash test: lifecycles=${result.lifecycles} given_at_intake=${result.givenAtIntake} kills=${faults.kills} pauses=${faults.pauses} lost=${result.lost.length} ` +
        `duplicated=${result.duplicated.length} takeover_ms max=${Math.round(Math.max(0, ...takeovers))} avg=${Math.round(average)} ` +
        `transitions=${result.transitions} events=${result.events} event_duplicates=${result.eventDuplicates} ` +
        `push_duplicates=${result.pushDuplicates} redriven=${bots.redriven.length} ` +
        `work_s=${(workMs / 1000).toFixed(1)} wall_s=${((performance.now() - began) / 1000).toFixed(1)}\n` +
        `runtime warnings: ${JSON.stringify(Object.fromEntries(warnings))}`,
    )
    if (result.repeatedEvents.length > 0) {
      const runtimeLines = processes.flatMap((child) =>
        [...child.problems, ...child.lifecycle].map((line) => `${line.time} ${child.member ?? "?"} ${JSON.stringify(line)}`),
      )
      console.log(`faults:\n  ${faultTimes.join("\n  ")}\nruntime lines:\n  ${runtimeLines.sort().join("\n  ")}`)
    }
    for (const [name, found] of Object.entries({ ...result, errors: bots.errors })) {
      if (Array.isArray(found) && found.length > 0) console.log(`${name} (${found.length}):\n  ${found.slice(0, 10).join("\n  ")}`)
    }

    expect(bots.errors).toEqual([])
    expect(faults.kills).toBeGreaterThanOrEqual(3)
    expect(result.lost).toEqual([])
    expect(result.duplicated).toEqual([])
    expect(result.malformed).toEqual([])
    expect(result.broken).toEqual([])
    expect(result.agentProblems).toEqual([])
    expect(result.missingEvents).toEqual([])
    expect(result.strayEvents).toEqual([])
    expect(result.outOfOrder).toEqual([])
    expect(result.missingPushes).toEqual([])
    expect(result.leftovers).toEqual([])
  })
})
