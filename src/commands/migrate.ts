// `clawbot migrate`: applies the pending migrations to DATABASE_URL's CLAWBOT_PREFIX schema.
import type { Config } from "../config.ts"
import { ConfigError } from "../config.ts"
import { openDb } from "../store/db.ts"
import { migrate } from "../store/migrate.ts"

export const migrateCommand = async (config: Config): Promise<number> => {
  if (!config.databaseUrl) throw new ConfigError("DATABASE_URL (or --database-url) is required for migrate")
  const db = await openDb({ url: config.databaseUrl, schema: config.prefix })
  try {
    const applied = await migrate(db.sql)
    process.stdout.write(applied.length === 0 ? "migrations: up to date\n" : `migrations applied: ${applied.join(", ")}\n`)
    return 0
  } finally {
    await db.close()
  }
}
