// The servers a bench run owns: a redis-server and an embedded Postgres cluster started in a
// temporary directory (src/embedded), with the byte-counting proxy in front of Postgres. Nobody
// else uses them, so their counters are the bench's own; everything is removed at the end.
import { execFile } from "node:child_process"
import { chmod, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import postgres from "postgres"
import { startEmbeddedPostgres } from "../../src/embedded/index.ts"
import { startPgProxy, type PgProxy } from "./pg-proxy.ts"
import { startBenchRedis } from "./redis-server.ts"

export interface BenchServers {
  readonly redisUrl: string
  /** Postgres through the counting proxy: what the measured processes use. */
  readonly databaseUrl: string
  /** Postgres directly: the bench's own observer queries, not counted. */
  readonly directDatabaseUrl: string
  readonly postmasterPid: number
  readonly proxy: PgProxy
  /** A small pool of the bench's own, straight to the server (cluster-wide reads such as the WAL position). */
  readonly directSql: postgres.Sql
  stop(): Promise<void>
}

/** BENCH_PG_SETTINGS, `name=value` pairs separated by commas (e.g. `checkpoint_timeout=30s,wal_compression=pglz`): more
 * settings for the bench's Postgres, to measure a deployment's choices. */
export const postgresSettings = (text: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (text ?? "")
      .split(",")
      .map((pair) => pair.trim())
      .filter((pair) => pair !== "")
      .map((pair) => {
        const at = pair.indexOf("=")
        if (at <= 0 || at === pair.length - 1) throw new Error(`BENCH_PG_SETTINGS: "${pair}" is not name=value`)
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()]
      }),
  )

/** The postmaster is the parent of any backend. */
const postmasterOf = async (sql: postgres.Sql): Promise<number> => {
  const [row] = await sql<[{ pid: number }]>`select pg_backend_pid() as pid`
  const { stdout } = await promisify(execFile)("ps", ["-o", "ppid=", "-p", String(row.pid)])
  return Number.parseInt(stdout.trim(), 10)
}

export const startBenchServers = async (maxRedisMemory: string): Promise<BenchServers> => {
  const dir = await mkdtemp(join(tmpdir(), "clawbot-bench-"))
  // Postgres runs as the `postgres` OS user when we are root: it must be able to enter the directory.
  await chmod(dir, 0o755)
  const stops: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })]
  const stop = async () => {
    for (const step of stops.splice(0)) await step().catch(() => undefined)
  }
  try {
    const redis = await startBenchRedis(dir, maxRedisMemory)
    stops.unshift(redis.stop)
    // pg_stat_statements: the report names the statements that took Postgres' time (support/cost.ts).
    const pg = await startEmbeddedPostgres({
      dataDir: join(dir, "postgres"),
      settings: { shared_preload_libraries: "pg_stat_statements", ...postgresSettings(process.env.BENCH_PG_SETTINGS) },
    })
    stops.unshift(pg.stop)
    const proxy = await startPgProxy(pg.url)
    stops.unshift(proxy.stop)
    const directSql = postgres(pg.url, { max: 1, onnotice: () => {} })
    stops.unshift(() => directSql.end({ timeout: 5 }))
    await directSql`create extension if not exists pg_stat_statements`
    return {
      redisUrl: redis.url,
      databaseUrl: proxy.url,
      directDatabaseUrl: pg.url,
      postmasterPid: await postmasterOf(directSql),
      proxy,
      directSql,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
