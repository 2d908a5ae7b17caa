// What the bench reads of a deployment without being counted: actor states straight from
// Postgres (not through the proxy), and the partitions its runtimes own from their published
// statistics. Durable completion means a task's row in Postgres says `completed`.
import type { Redis } from "ioredis"
import type { Keys } from "../../src/redis/keys.ts"
import { decodeRuntimeStats } from "../../src/schema/runtime-stats.ts"
import postgres from "postgres"

export interface Observer {
  /** Actors of `kind` in `state`. */
  count(kind: string, state: string): Promise<number>
  /** Partitions owned by the runtimes, from what they last published. */
  partitionsOwned(): Promise<number>
  close(): Promise<void>
}

export const observe = async (directDatabaseUrl: string, redis: Redis, keys: Keys): Promise<Observer> => {
  // Named apart from the deployment's own sessions ("clawbot"), which the bench waits to see end.
  const sql = postgres(directDatabaseUrl, {
    max: 2,
    onnotice: () => {},
    connection: { search_path: keys.prefix, application_name: "clawbot-bench" },
  })
  return {
    async count(kind, state) {
      const exists = await sql`select 1 from pg_tables where schemaname = ${keys.prefix} and tablename = 'actors'`
      if (exists.length === 0) return 0
      const [row] = await sql<[{ n: number }]>`select count(*)::int as n from actors where kind = ${kind} and state = ${state}`
      return row.n
    },
    async partitionsOwned() {
      let owned = 0
      for (const text of Object.values(await redis.hgetall(keys.stats))) {
        const decoded = decodeRuntimeStats(text)
        if (decoded.ok) owned += decoded.value.partitions_owned
      }
      return owned
    },
    close: () => sql.end({ timeout: 5 }),
  }
}
