// Checks `clawbot start` makes before it serves, each failing with a StartupFailure that names the server, its
// URL without password and the fix: the edge's port is free (two deployments never share a port), and each
// Redis and Postgres given by URL answers.
import { createServer } from "node:net"
import postgres from "postgres"
import { StartupFailure, withoutPassword } from "../embedded/errors.ts"
import { close as closeRedis, openRedis } from "../redis/client.ts"

/** Fails when something already listens on host:port (port 0, any free port, always passes). */
export const assertPortFree = (host: string, port: number): Promise<void> =>
  port === 0
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const server = createServer()
        server.once("error", (error: NodeJS.ErrnoException) =>
          reject(
            error.code === "EADDRINUSE"
              ? new StartupFailure(
                  `port ${port} on ${host} is already in use (another clawbot, or another program)`,
                  `stop what listens there, or choose another port with --port (PORT)`,
                )
              : new StartupFailure(
                  `cannot listen on ${host}:${port} (${error.code ?? error.message})`,
                  "choose another --host (HOST) or --port (PORT)",
                ),
          ),
        )
        server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()))
      })

/** Why a connection failed, in words, from the error's code. */
const reason = (error: unknown): string => {
  const code = (error as { code?: string }).code
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused: nothing listens there",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "the host name does not resolve",
    ETIMEDOUT: "no answer in time",
    CONNECT_TIMEOUT: "no answer in time",
    "28P01": "password authentication failed",
    "28000": "the server refuses this user",
    "3D000": "the database does not exist",
  }
  return (code !== undefined && words[code]) || (error instanceof Error ? error.message : String(error))
}

/** Fails unless the Redis at `url` answers PING. */
export const reachRedis = async (url: string, cluster = false): Promise<void> => {
  try {
    const redis = await openRedis(url, { cluster })
    await closeRedis(redis)
  } catch (error) {
    throw new StartupFailure(
      `cannot reach Redis at ${withoutPassword(url)} (${reason(error)})`,
      "start that Redis, or point REDIS_URL (--redis-url) at one that runs; unset, clawbot start runs its own redis-server",
      { cause: error },
    )
  }
}

/** Fails unless the Postgres at `url` answers a query. */
export const reachPostgres = async (url: string): Promise<void> => {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`select 1`
  } catch (error) {
    throw new StartupFailure(
      `cannot reach Postgres at ${withoutPassword(url)} (${reason(error)})`,
      "start that Postgres (or create its database), or point DATABASE_URL (--database-url) at one that runs; unset, clawbot start runs an embedded one",
      { cause: error },
    )
  } finally {
    await sql.end({ timeout: 1 })
  }
}
