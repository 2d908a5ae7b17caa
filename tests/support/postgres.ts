// Test support: gives a test file its own Postgres schema (migrated unless asked otherwise) on
// DATABASE_URL, else on the default local server, else on a throwaway testcontainers Postgres.
import { randomUUID } from "node:crypto"
import postgres from "postgres"
import { type Db, type Sql, openDb } from "../../src/store/db.ts"
import { migrate } from "../../src/store/migrate.ts"

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"

export interface TestSchema {
  readonly url: string
  readonly schema: string
  readonly db: Db
  readonly sql: Sql
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>
}

let server: Promise<string> | undefined

/** The Postgres server for this test process, started once when none is configured or running. */
export function databaseUrl(): Promise<string> {
  server ??= resolveServer()
  return server
}

async function resolveServer(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL
  if (await answers(DEFAULT_URL)) return DEFAULT_URL
  // Loaded only here: testcontainers 12 (undici 8) needs Node >= 22.19 to even import.
  // The container is removed by the testcontainers reaper when this process exits.
  const { GenericContainer, Wait } = await import("testcontainers")
  const container = await new GenericContainer("postgres:16-alpine")
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "test" })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage("database system is ready to accept connections", 2))
    .start()
  return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/test`
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** A new schema of its own, with the project's migrations applied unless `migrated` is false. */
export async function freshSchema({ migrated = true }: { migrated?: boolean } = {}): Promise<TestSchema> {
  const url = await databaseUrl()
  const schema = `test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  const db = await openDb({ url, schema })
  if (migrated) await migrate(db.sql)
  return {
    url,
    schema,
    db,
    sql: db.sql,
    drop: async () => {
      await db.sql`drop schema ${db.sql(schema)} cascade`
      await db.close()
    },
  }
}
