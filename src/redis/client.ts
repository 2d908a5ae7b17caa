// The one ioredis factory every process uses, and its clean close.
//
// Choices, on purpose:
// - `enableOfflineQueue: false`: a command sent while Redis is unreachable fails at once
//   instead of waiting in memory. The edge then answers `unavailable` (503, nothing was
//   accepted) and the runtime loops retry on their own schedule; nothing piles up to be
//   replayed late. Because of it, `openRedis` resolves only once the connection is ready.
// - `maxRetriesPerRequest: 2`: a command in flight when the connection drops is resent after
//   the reconnect (appends dedupe on cmdId, events carry deterministic ids, XACK and timer
//   firing are idempotent; a repeated lease acquire answers LeaseHeld and the lease lapses
//   after its TTL), but fails after two failed reconnect attempts rather than hanging.
// - No auto-pipelining (`enableAutoPipelining: false`): each command goes out as it is issued. A batch
//   already makes few calls (one script a purpose), and ioredis's auto-pipeline costs more than the
//   writes it saves: one `Pipeline` object a tick and connection, and a pipeline issued while one is
//   on the wire waits for all of that one's answers. Measured in round 36 (docs/performance.md): at
//   100 tasks/s about a tenth less runtime CPU a task and a lower p99, no difference under load.
// - Reconnect forever with capped exponential backoff: processes are long-lived.
// A process that wants Redis errors in its log attaches `redis.on("error", …)`; otherwise
// ioredis prints them to stderr.
//
// Redis Cluster (`cluster: true`, CLAWBOT_REDIS_CLUSTER): the url is one or more seed nodes,
// comma-separated, and the client is an ioredis `Cluster` with the same choices. It is typed as
// `Redis`: it answers every command this project sends with the same surface, because every
// script, transaction and pipeline keeps its keys in one hash slot (src/redis/keys.ts) and
// commands over several slots are sent one by one.
import { Cluster, Redis } from "ioredis"

export interface OpenRedisOptions {
  /** CLIENT SETNAME, shown by CLIENT LIST (e.g. "runtime-1:consumer"). */
  name?: string
  /** `url` names seed nodes of a Redis Cluster (comma-separated). */
  cluster?: boolean
}

const RECONNECT_BASE_MS = 50
const RECONNECT_MAX_MS = 2_000
const retryStrategy = (attempt: number): number => Math.min(RECONNECT_BASE_MS * 2 ** (attempt - 1), RECONNECT_MAX_MS)

/** The seed nodes of a cluster url: `redis://a:7000,redis://b:7001` or `redis://a:7000,b:7001`. */
const seeds = (url: string): URL[] => url.split(",").map((part) => new URL(part.includes("://") ? part.trim() : `redis://${part.trim()}`))

const connect = (url: string, cluster: boolean): Redis => {
  const common = { enableOfflineQueue: false, enableAutoPipelining: false } as const
  const perNode = { maxRetriesPerRequest: 2, connectTimeout: 5_000 } as const
  if (!cluster) {
    if (url.includes(",")) throw new Error("REDIS_URL names several nodes: set CLAWBOT_REDIS_CLUSTER=true for a Redis Cluster")
    return new Redis(url, { ...common, ...perNode, lazyConnect: false, retryStrategy })
  }
  const nodes = seeds(url)
  const first = nodes[0]!
  const auth = {
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
  }
  return new Cluster(
    nodes.map((node) => ({ host: node.hostname, port: Number(node.port || 6379) })),
    {
      ...common,
      clusterRetryStrategy: retryStrategy,
      redisOptions: { ...perNode, ...auth },
    },
  ) as unknown as Redis
}

/** Connects to `url` and resolves once the connection is ready; rejects on the first error. */
export const openRedis = async (url: string, options: OpenRedisOptions = {}): Promise<Redis> => {
  const redis = connect(url, options.cluster ?? false)
  await new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      redis.off("error", onError)
      resolve()
    }
    const onError = (error: Error): void => {
      redis.off("ready", onReady)
      redis.disconnect()
      reject(error)
    }
    redis.once("ready", onReady)
    redis.once("error", onError)
  })
  // ioredis's `connectionName` is sent before the connection is ready, which the disabled
  // offline queue refuses: name the connection once it is ready, and again after reconnects.
  if (options.name) {
    const name = options.name
    const setName = () => void redis.client("SETNAME", name).catch(() => undefined)
    setName()
    redis.on("ready", setName)
  }
  return redis
}

/** Closes gracefully (QUIT waits for pending replies), or drops the socket if that fails. */
export const close = async (redis: Redis): Promise<void> => {
  if (redis.status === "end") return
  try {
    await redis.quit()
  } catch {
    redis.disconnect()
  }
}

/** Whether `redis` is a Redis Cluster client (its commands over several slots go one slot a call). */
export const isCluster = (redis: Redis): boolean => (redis as { isCluster?: boolean }).isCluster === true
