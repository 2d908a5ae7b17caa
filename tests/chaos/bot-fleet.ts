// Chaos support: a fleet of simulated bots without the edge. Each registers (CREATE, CONNECT),
// heartbeats, watches the event stream for its `task_assigned` pushes and answers each with
// START then COMPLETE, under deterministic command ids so that answering twice appends once.
// A slow sweep of Postgres answers assignments whose push it never saw (counted as re-driven).
import { randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import { readEvents } from "../../src/redis/streams.ts"
import type { ChaosDeployment } from "./deployment.ts"

export interface FleetOptions {
  readonly agents: number
  readonly maxConcurrency: number
  readonly capability: string
  readonly heartbeatEveryMs: number
  /** An assignment older than this without its push seen is answered from Postgres. */
  readonly redriveAfterMs: number
}

interface Assignment {
  readonly task_id: string
  readonly attempt: number
}

export class BotFleet {
  readonly agentIds: string[]
  /** `task:attempt` of every assignment answered. */
  readonly answered = new Set<string>()
  /** Tasks answered from the Postgres sweep because their push had not been seen. */
  readonly redriven: string[] = []
  readonly errors: string[] = []
  pushesSeen = 0
  completesSent = 0
  private running = false
  private lastEventId = "0-0"
  private readonly inflight = new Set<Promise<void>>()
  private loops: Promise<void>[] = []

  constructor(
    private readonly deployment: ChaosDeployment,
    private readonly reader: Redis,
    private readonly options: FleetOptions,
  ) {
    this.agentIds = Array.from({ length: options.agents }, () => randomUUID())
  }

  /** Registers and connects every bot, and waits until the runtime has them online. */
  async register(): Promise<void> {
    const { append, sql } = this.deployment
    await Promise.all(
      this.agentIds.map(async (id, n) => {
        const profile = { id, name: `bot-${n}`, capabilities: [this.options.capability], maxConcurrency: this.options.maxConcurrency }
        await append({ kind: "agent", id, type: "CREATE", payload: profile, cmdId: `${id}:create` })
        await append({ kind: "agent", id, type: "CONNECT", payload: {}, cmdId: `${id}:connect` })
      }),
    )
    for (const deadline = Date.now() + 30_000; ; ) {
      const [row] = await sql<{ online: number }[]>`
        select count(*)::int as online from actors where kind = 'agent' and state in ('online', 'busy')`
      if (row?.online === this.agentIds.length) return
      if (Date.now() > deadline) throw new Error(`only ${row?.online} of ${this.agentIds.length} bots came online`)
      await sleep(50)
    }
  }

  start(): void {
    this.running = true
    this.loops = [
      this.watchPushes(),
      this.every(this.options.heartbeatEveryMs, () => this.heartbeat()),
      this.every(1_000, () => this.redrive()),
    ]
  }

  /** Stops heartbeating and answering, and waits for the answers under way. */
  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
    await Promise.all(this.inflight)
  }

  private async watchPushes(): Promise<void> {
    while (this.running) {
      const entries = await readEvents(this.reader, this.deployment.keys.events, this.lastEventId, 1_000, 200).catch((error: unknown) => {
        this.errors.push(`read events: ${String(error)}`)
        return []
      })
      for (const entry of entries) {
        this.lastEventId = entry.id
        if (entry.fields["type"] !== "push") continue
        const body = JSON.parse(entry.fields["body"] ?? "{}") as { type?: string; payload?: Assignment }
        if (body.type !== "task_assigned" || !body.payload) continue
        this.pushesSeen += 1
        this.answer(body.payload.task_id, (entry.fields["topics"] ?? "").replace(/^control:/, ""), body.payload.attempt)
      }
    }
  }

  /** START then COMPLETE, once per (task, attempt), in that order. */
  private answer(taskId: string, agentId: string, attempt: number): boolean {
    const key = `${taskId}:${attempt}`
    if (this.answered.has(key)) return false
    this.answered.add(key)
    const { append } = this.deployment
    const work = (async () => {
      await append({ kind: "task", id: taskId, type: "START", payload: { agentId, attempt }, cmdId: `${taskId}:start:${attempt}` })
      await append({
        kind: "task",
        id: taskId,
        type: "COMPLETE",
        payload: { agentId, attempt, result: { by: agentId } },
        cmdId: `${taskId}:complete:${attempt}`,
      })
      this.completesSent += 1
    })().catch((error: unknown) => {
      this.errors.push(`answer ${key}: ${String(error)}`)
    })
    this.inflight.add(work)
    void work.finally(() => this.inflight.delete(work))
    return true
  }

  private async heartbeat(): Promise<void> {
    await Promise.all(this.agentIds.map((id) => this.deployment.append({ kind: "agent", id, type: "HEARTBEAT", payload: {} })))
  }

  /** Assignments held for a while whose push never reached this fleet. */
  private async redrive(): Promise<void> {
    const rows = await this.deployment.sql<{ id: string; agent_id: string; attempt: number }[]>`
      select id, agent_id, coalesce((snapshot->'context'->>'attempt')::int, 0) as attempt from actors
      where kind = 'task' and state = 'assigned'
        and state_since < now() - make_interval(secs => ${this.options.redriveAfterMs / 1000})`
    for (const row of rows) {
      if (this.answer(row.id, row.agent_id, row.attempt + 1)) this.redriven.push(row.id)
    }
  }

  private async every(ms: number, step: () => Promise<void>): Promise<void> {
    while (this.running) {
      await step().catch((error: unknown) => {
        this.errors.push(String(error))
      })
      for (let waited = 0; waited < ms && this.running; waited += 100) await sleep(100)
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
