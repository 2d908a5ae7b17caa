// A real `clawbot start` for the CLI and example tests: the bin as a child process on the test
// servers (REDIS_URL, DATABASE_URL) under a prefix of its own, on a free port, with a known operator
// token; `close()` stops it (SIGTERM) and removes its schema and keys. Also runs other scripts of the
// repository (the bin, the examples) as child processes, line by line.
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { join } from "node:path"
import { createInterface } from "node:readline"
import type { Redis } from "ioredis"
import postgres from "postgres"
import { close, openRedis } from "../../../src/redis/client.ts"
import { keysFor, type Keys } from "../../../src/redis/keys.ts"
import { databaseUrl } from "../../support/postgres.ts"
import { redisUrl } from "../../support/redis.ts"

export const ROOT = join(import.meta.dirname, "../../..")

export interface Child {
  readonly process: ChildProcess
  readonly lines: string[]
  /** Resolves with the first line (stdout or stderr) matching, seen or to come. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
  readonly exited: Promise<number | null>
}

/** Runs `node <args>` in the repository with `env` added to this process's environment. */
export function run(args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Child {
  const child = spawn(process.execPath, [...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  const lines: string[] = []
  const waiters: Array<{ pattern: RegExp; resolve(line: string): void }> = []
  const exited = once(child, "exit").then(([code]) => code as number | null)
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(line)) continue
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    })
  }
  return {
    process: child,
    lines,
    exited,
    line: (pattern, timeoutMs = 20_000) => {
      const seen = lines.find((line) => pattern.test(line))
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join("\n")}`)),
          timeoutMs,
        )
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer)
            resolve(line)
          },
        })
        void exited.then((code) => reject(new Error(`exited (${code}) before printing ${pattern}:\n${lines.join("\n")}`)))
      })
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      return exited
    },
  }
}

/** `node bin/clawbot.js <argv…>` to its end: exit code and output. */
export async function clawbot(
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["bin/clawbot.js", ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let out = ""
  let err = ""
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
  const [code] = (await once(child, "exit")) as [number | null]
  return { code, out, err }
}

export interface Server {
  readonly url: string
  readonly token: string
  /** The environment the CLI and the examples read. */
  readonly env: Readonly<Record<string, string>>
  readonly redis: Redis
  readonly keys: Keys
  close(): Promise<void>
}

export async function startServer(): Promise<Server> {
  const prefix = `sdk_${randomBytes(5).toString("hex")}`
  const token = randomBytes(24).toString("base64url")
  const [redis_url, database_url] = await Promise.all([redisUrl(), databaseUrl()])
  const child = run(["bin/clawbot.js", "start", "--port", "0", "--log-level", "warn"], {
    REDIS_URL: redis_url,
    DATABASE_URL: database_url,
    CLAWBOT_PREFIX: prefix,
    CLAWBOT_OPERATOR_TOKEN: token,
    CLAWBOT_PARTITIONS: "4",
  })
  const listening = await child.line(/listening on http:\/\/\S+/u, 60_000)
  const url = /listening on (http:\/\/\S+)/u.exec(listening)?.[1] as string
  const redis = await openRedis(redis_url, { name: "test-cli" })
  const keys = keysFor(prefix)
  return {
    url,
    token,
    redis,
    keys,
    env: { CLAWBOT_URL: url, CLAWBOT_TOKEN: token },
    async close() {
      await child.stop()
      for (const pattern of keys.patterns) {
        for await (const batch of redis.scanStream({ match: pattern, count: 1000 }))
          if ((batch as string[]).length > 0) await redis.unlink(...(batch as string[]))
      }
      await close(redis)
      const sql = postgres(database_url, { max: 1, onnotice: () => {} })
      await sql`drop schema if exists ${sql(prefix)} cascade`
      await sql.end({ timeout: 1 })
    },
  }
}
