// Migration runner: applies the numbered `migrations/*.sql` files in order, each once, in one
// transaction under an advisory lock (so processes starting together do not race), and
// refuses to run when a file that was already applied has since been edited.
import { createHash } from "node:crypto"
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Sql } from "./db.ts"

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations/", import.meta.url))

const FILE_NAME = /^(\d+)_[a-z0-9_]+\.sql$/

interface MigrationFile {
  readonly version: number
  readonly name: string
  readonly text: string
  readonly checksum: string
}

export class MigrationChanged extends Error {
  readonly _tag = "MigrationChanged"
  constructor(readonly file: string) {
    super(`migration ${file} was edited after it was applied; add a new numbered migration instead`)
  }
}

/** Applies the pending migrations of `dir` to the connection's schema; returns the file names applied. */
export async function migrate(sql: Sql, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = await readMigrations(dir)
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('clawbot.migrate.' || current_schema()))`
    await tx`
      create table if not exists schema_migrations (
        version    integer     primary key,
        name       text        not null,
        checksum   text        not null,
        applied_at timestamptz not null default now()
      )`
    const rows = await tx<{ version: number; checksum: string }[]>`select version, checksum from schema_migrations`
    const applied = new Map(rows.map((row) => [row.version, row.checksum]))
    const changed = files.find((file) => applied.has(file.version) && applied.get(file.version) !== file.checksum)
    if (changed) throw new MigrationChanged(changed.name)
    const pending = files.filter((file) => !applied.has(file.version))
    for (const file of pending) {
      await tx.unsafe(file.text)
      await tx`insert into schema_migrations (version, name, checksum) values (${file.version}, ${file.name}, ${file.checksum})`
    }
    return pending.map((file) => file.name)
  })
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql"))
  const files = await Promise.all(
    names.map(async (name) => {
      const match = FILE_NAME.exec(name)
      if (!match) throw new Error(`migration ${name}: expected a name like 001_description.sql`)
      const text = await readFile(join(dir, name), "utf8")
      const checksum = createHash("sha256").update(text).digest("hex")
      return { version: Number(match[1]), name, text, checksum }
    }),
  )
  files.sort((a, b) => a.version - b.version)
  const duplicate = files.find((file, i) => i > 0 && files[i - 1]?.version === file.version)
  if (duplicate) throw new Error(`migration ${duplicate.name}: another file has number ${duplicate.version}`)
  return files
}
