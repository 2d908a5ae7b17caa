// Postgres connection factory: one postgres.js pool whose connections all work inside the
// deployment's schema (CLAWBOT_PREFIX), so several deployments can share one server.
import postgres from "postgres"

export type Sql = postgres.Sql

export interface Db {
  readonly sql: Sql
  readonly schema: string
  close(): Promise<void>
}

export interface DbOptions {
  readonly url: string
  /** The deployment's schema; the `CLAWBOT_PREFIX`, default `cb`. */
  readonly schema?: string
  /** Pool size (postgres.js default 10). */
  readonly max?: number
}

const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Throws unless `schema` is a lower-case Postgres identifier that needs no quoting. */
function assertSchemaName(schema: string): string {
  if (!SAFE_IDENTIFIER.test(schema)) {
    throw new Error(
      `schema ${JSON.stringify(schema)}: expected lower-case letters, digits and "_", not starting with a digit, at most 63 characters`,
    )
  }
  return schema
}

/** Opens a pool whose `search_path` is `schema`, creating the schema if it does not exist. */
export async function openDb({ url, schema = "cb", max }: DbOptions): Promise<Db> {
  assertSchemaName(schema)
  const sql = postgres(url, {
    ...(max === undefined ? {} : { max }),
    connection: { search_path: schema, application_name: "clawbot" },
    onnotice: () => {},
  })
  try {
    await createSchema(sql, schema)
  } catch (error) {
    await sql.end()
    throw error
  }
  // A timeout: postgres.js never resolves end() after a connection dropped mid-query (porsager/postgres#1097).
  return { sql, schema, close: () => sql.end({ timeout: 5 }) }
}

async function createSchema(sql: Sql, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql(schema)}`
  } catch (error) {
    // Two processes creating the same schema at once: the loser sees a unique violation.
    if (!(error instanceof postgres.PostgresError && (error.code === "23505" || error.code === "42P06"))) throw error
  }
}
