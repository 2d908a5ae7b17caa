// Crash test: real `clawbot runtime` processes share one deployment while a fleet of simulated
// bots runs thousands of task lifecycles through them; every few seconds one process is
// SIGKILLed and a new one started. Afterwards Postgres and the event stream must show every
// lifecycle completed exactly once: nothing lost, nothing applied twice, no event missing for a
// subscriber. Prints its figures (lifecycles, kills, lost, duplicated, takeover time).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { audit, unsettledInboxes } from "./audit.ts"
import { BotFleet } from "./bot-fleet.ts"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { waitForTakeover } from "./leases.ts"
import { RuntimeProcess } from "./runtime-process.ts"
import { Workload } from "./workload.ts"

const PARTITIONS = 8
const LEASE_TTL_MS = 1_000
const PROCESSES = 3
const TASKS = Number(process.env.CHAOS_TASKS ?? 2_000)
const SESSIONS = Number(process.env.CHAOS_SESSIONS ?? 40)
const AGENTS = 16
const MAX_CONCURRENCY = 4
const CAPABILITY = "chaos"
/** Crashes stop, and the test fails, if the work is not done by then. */
const DEADLINE_MS = 90_000
const KILL_EVERY_MS = [2_000, 4_000] as const

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let deployment: ChaosDeployment
const processes: RuntimeProcess[] = []

beforeAll(async () => {
  deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: LEASE_TTL_MS })
})

afterAll(async () => {
  for (const child of processes) if (child.alive) child.crash()
  await Promise.all(processes.map((child) => child.exited))
  if (!process.env.CHAOS_KEEP) await deployment?.close()
  else console.log("kept", deployment.prefix)
})

const spawnRuntime = (): RuntimeProcess => {
  const child = new RuntimeProcess(`runtime-${processes.length + 1}`, deployment.env)
  processes.push(child)
  return child
}

const completedTasks = async (): Promise<number> => {
  const [row] = await deployment.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task' and state = 'completed'`
  return row?.n ?? 0
}

const until = async (what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
  }
}

describe("crash test", () => {
  it("completes every lifecycle exactly once while runtime processes are SIGKILLed", async () => {
    const began = performance.now()
    await Promise.all(Array.from({ length: PROCESSES }, () => spawnRuntime().started))
    await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, new Set(), performance.now(), 15_000)

    const fleet = new BotFleet(deployment, await deployment.connect("chaos-bots"), {
      agents: AGENTS, maxConcurrency: MAX_CONCURRENCY, capability: CAPABILITY, heartbeatEveryMs: 2_000, redriveAfterMs: 3_000,
    })
    await fleet.register()
    fleet.start()
    const workload = new Workload(deployment.append, { tasks: TASKS, sessions: SESSIONS, capability: CAPABILITY, window: Number(process.env.CHAOS_WINDOW ?? 48) })
    const feeding = workload.run(() => fleet.completesSent)

    // Crash a random started process every 2–4 s and start a new one at once, until done.
    const takeovers: number[] = []
    const dead = new Set<string>()
    const workStarted = Date.now()
    let completed = 0
    const done = async () => (completed = await completedTasks()) === workload.lifecycles
    while (!(await done()) && Date.now() - workStarted < DEADLINE_MS) {
      const pause = KILL_EVERY_MS[0] + Math.random() * (KILL_EVERY_MS[1] - KILL_EVERY_MS[0])
      for (const wake = Date.now() + pause; Date.now() < wake && !(await done()); ) await sleep(250)
      if (process.env.CHAOS_NO_KILL) continue
      const candidates = processes.filter((child) => child.alive && child.member !== undefined)
      const victim = candidates[Math.floor(Math.random() * candidates.length)]
      if (completed === workload.lifecycles || !victim?.member) continue
      const killedAt = performance.now()
      victim.crash()
      dead.add(victim.member)
      spawnRuntime()
      takeovers.push(await waitForTakeover(deployment.redis, deployment.keys, PARTITIONS, dead, killedAt, 20_000))
    }
    const workMs = Date.now() - workStarted
    await feeding

    // Let the last releases reach the agents and the inboxes drain, then stop cleanly.
    await until("every agent to be idle", async () => {
      const [row] = await deployment.sql<{ busy: number }[]>`
        select count(*)::int as busy from actors where kind = 'agent' and jsonb_array_length(snapshot->'context'->'inflight') > 0`
      return completed === workload.lifecycles && row?.busy === 0
    }, 20_000).catch(() => undefined)
    await fleet.stop()
    await until("the inboxes to drain", async () => (await unsettledInboxes(deployment.redis, deployment.keys, PARTITIONS)).length === 0, 20_000)
      .catch(() => undefined)
    await Promise.all(processes.map((child) => child.stop()))

    const result = await audit({
      sql: deployment.sql, redis: deployment.redis, keys: deployment.keys, partitions: PARTITIONS,
      standalone: workload.standalone, sessions: workload.sessions, agentIds: fleet.agentIds, maxConcurrency: MAX_CONCURRENCY,
    })
    const problems = new Map<string, number>()
    for (const line of processes.flatMap((child) => child.problems)) problems.set(line.msg, (problems.get(line.msg) ?? 0) + 1)
    const avg = takeovers.length === 0 ? 0 : takeovers.reduce((a, b) => a + b, 0) / takeovers.length
    console.log(
      `crash test: lifecycles=${result.lifecycles} kills=${takeovers.length} lost=${result.lost.length} duplicated=${result.duplicated.length} ` +
        `takeover_ms max=${Math.round(Math.max(0, ...takeovers))} avg=${Math.round(avg)} ` +
        `transitions=${result.transitions} events=${result.events} event_duplicates=${result.eventDuplicates} ` +
        `push_duplicates=${result.pushDuplicates} redriven=${fleet.redriven.length} ` +
        `work_s=${(workMs / 1000).toFixed(1)} wall_s=${((performance.now() - began) / 1000).toFixed(1)}\n` +
        `runtime warnings: ${JSON.stringify(Object.fromEntries(problems))}`,
    )
    const findings = { ...result, errors: fleet.errors }
    for (const [name, list] of Object.entries(findings)) {
      if (Array.isArray(list) && list.length > 0) console.log(`${name} (${list.length}):\n  ${list.slice(0, 10).join("\n  ")}`)
    }

    expect(fleet.errors).toEqual([])
    expect(takeovers.length).toBeGreaterThanOrEqual(5)
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
  }, 180_000)
})
