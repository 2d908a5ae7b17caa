// The router's reads, lean (ids and the few columns routing needs, never snapshots): agents
// with free capacity for a capability and their routing scores, the routing facts of some tasks, and tasks that have
// waited in `ready` long enough for the sweep to look at them again.
import type { Sql } from "./db.ts"

export interface AgentCapacity {
  readonly id: string
  readonly free: number
  /** Its routing score (machines/routing-score.ts), as its binding stored it. */
  readonly score: number
  readonly capabilities: readonly string[]
}

export interface TaskRouting {
  readonly id: string
  readonly state: string
  readonly capability: string
  readonly priority: number
  /** Its group; null: the default group. */
  readonly group: string | null
  /** When the task entered its state (ms since the epoch). */
  readonly since: number
}

/** Online agents with `capability` (undefined: any) and free capacity (an open breaker leaves none), in the order the
 * router wakes idle agents: best routing score, then most free slots, then the greatest id (src/redis/idle-agents.ts). */
export async function agentsWithCapacity(sql: Sql, capability: string | undefined, limit: number): Promise<AgentCapacity[]> {
  const rows = await sql<{ id: string; free: number; score: number | null; capabilities: string[] }[]>`
    select id, free_capacity as free, routing_score as score, capabilities from actors
    where kind = 'agent' and state = 'online'
      ${capability === undefined ? sql`` : sql`and capabilities @> array[${capability}]::text[]`}
      and free_capacity > 0
    order by routing_score desc nulls last, free_capacity desc, id desc
    limit ${limit}`
  return rows.map((row) => ({ id: row.id, free: row.free, score: row.score ?? 0, capabilities: row.capabilities }))
}

type TaskRow = { id: string; state: string; capability: string; priority: number | null; group: string | null; since: Date }
const toRouting = (row: TaskRow): TaskRouting => ({
  id: row.id,
  state: row.state,
  capability: row.capability,
  priority: row.priority ?? 2,
  group: row.group,
  since: row.since.getTime(),
})

/** The routing facts of these tasks (missing ids are absent from the answer). */
export async function taskRouting(sql: Sql, ids: readonly string[]): Promise<Map<string, TaskRouting>> {
  if (ids.length === 0) return new Map()
  const rows = await sql<TaskRow[]>`
    select id, state, capability, priority, group_key as "group", state_since as since from actors
    where kind = 'task' and id = any(${sql.array([...ids])}::text[])`
  return new Map(rows.map((row) => [row.id, toRouting(row)]))
}

/** Tasks in `ready` since before `before` (ms), oldest first. */
export async function waitingTasks(sql: Sql, before: number, limit: number): Promise<TaskRouting[]> {
  const rows = await sql<TaskRow[]>`
    select id, state, capability, priority, group_key as "group", state_since as since from actors
    where kind = 'task' and state = 'ready' and state_since < ${new Date(before)}
    order by state_since, id
    limit ${limit}`
  return rows.map(toRouting)
}
