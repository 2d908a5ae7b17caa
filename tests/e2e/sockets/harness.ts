// Test harness for the socket endpoints: one test file's deployment (own Redis prefix and Postgres
// schema, an in-process runtime unless asked otherwise) behind a minimal edge made of a uWS app
// on a free port, the event-stream fan-out and the two sockets; plus agents and tasks to drive.
import { randomBytes, randomUUID } from "node:crypto"
import type { Redis } from "ioredis"
import uWS from "uWebSockets.js"
import { KINDS } from "../../../actors/index.ts"
import { createLogger } from "../../../src/log.ts"
import { createRedisClock } from "../../../src/redis/clock.ts"
import { close, openRedis } from "../../../src/redis/client.ts"
import { createAuthenticator } from "../../../src/edge/auth.ts"
import type { EdgeContext, EdgeLimits } from "../../../src/edge/context.ts"
import { UNBOUNDED } from "../../../src/edge/http/deadline.ts"
import { startRevocations } from "../../../src/edge/revocations.ts"
import { cancellationsSeen } from "../../../src/edge/cancellations-seen.ts"
import { startFanout, type Fanout } from "../../../src/edge/fanout.ts"
import { createMetrics, type MetricsRegistry } from "../../../src/edge/metrics.ts"
import { registerSockets } from "../../../src/edge/sockets/index.ts"
import { socketQuotas, type SocketQuotas } from "../../../src/edge/sockets/quotas.ts"
import type { AppendFn } from "../../../src/runtime/append.ts"
import { saveAgentToken } from "../../../src/store/tokens.ts"
import { testDeployment, waitFor, type TestDeployment } from "../../support/runtime.ts"
import { startRedisProxy, type RedisProxy } from "./redis-proxy.ts"

export const TEST_LIMITS: EdgeLimits = {
  maxPayloadBytes: 64 * 1024,
  maxBackpressureBytes: 256 * 1024,
  perConnectionPerSecond: 200,
  perTokenPerSecond: 100,
  connectionsPerAddress: 1024,
  headTimeoutMs: 10_000,
  allowedOrigins: ["https://dashboard.example"],
  waitMs: 5_000,
  orphanAfterS: 600,
  breakerCooldownMs: 30_000,
}

export interface SocketEdge {
  readonly deployment: TestDeployment
  readonly ctx: EdgeContext
  readonly fanout: Fanout
  readonly metrics: MetricsRegistry
  readonly port: number
  /** The proxy the fan-out's blocking connection goes through, when asked for. */
  readonly fanoutProxy: RedisProxy | undefined
  /** `ws://127.0.0.1:<port><path>` */
  url(path: string): string
  /** Registers an agent (CREATE appended, token stored); the runtime has applied it when this resolves. */
  agent(options?: {
    capabilities?: string[]
    heartbeatIntervalMs?: number
    maxConcurrency?: number
  }): Promise<{ id: string; token: string }>
  /** Creates a ready standalone task. */
  /** A ready standalone task of `capability`, with `spec`'s run settings when given. */
  task(capability: string, title?: string, spec?: { readonly timeoutS?: number; readonly maxAttempts?: number }): Promise<string>
  close(): Promise<void>
}

export interface SocketEdgeOptions {
  readonly limits?: Partial<EdgeLimits>
  /** Over the defaults (the environment is not read). */
  readonly quotas?: Partial<SocketQuotas>
  /** What the sockets append with, in place of the deployment's (to inject faults). */
  readonly append?: (append: AppendFn) => AppendFn
  /** The sockets' clock (rate budgets, frame timestamps); default Date.now. */
  readonly clock?: () => number
  /** Start an in-process runtime (default: true on a new deployment, false on a given one). */
  readonly runtime?: boolean
  /** Connect the fan-out's blocking connection through a proxy the test can cut (a Redis outage). */
  readonly proxyFanout?: boolean
  /** Serve this deployment (a second edge on another edge's), left open by `close()`; default a new one. */
  readonly deployment?: TestDeployment
}

export async function startSocketEdge(options: SocketEdgeOptions = {}): Promise<SocketEdge> {
  const deployment = options.deployment ?? (await testDeployment())
  if (options.runtime ?? options.deployment === undefined) {
    const runtime = await deployment.startRuntime()
    // Every partition worked before the first test: its first command would otherwise wait for its partition's lease.
    await waitFor("the runtime to work every partition", async () => runtime.owned().length === deployment.partitions || undefined, 30_000)
  }
  const log = createLogger(process.env.TEST_LOG === "1" ? "debug" : "error")
  const edgeId = `edge-${randomBytes(3).toString("hex")}`
  const fanoutProxy = options.proxyFanout ? await startRedisProxy(deployment.redisUrl) : undefined
  const blocking: Redis = await openRedis(fanoutProxy?.url ?? deployment.redisUrl, { name: "test-edge-fanout" })
  blocking.on("error", () => undefined) // it reconnects on its own; the fan-out logs its failed reads
  const app = uWS.App()
  const metrics = createMetrics()
  const clock = options.clock ?? Date.now
  const cancellations = cancellationsSeen()
  const fanout = await startFanout({
    app,
    blocking,
    redis: deployment.redis,
    keys: deployment.keys,
    log,
    metrics,
    edgeId,
    clock,
    cancellations,
    blockMs: 1_000,
  })
  const subscriber: Redis = await openRedis(deployment.redisUrl, { name: "test-edge-revocations" })
  const revocations = await startRevocations(deployment.redis, subscriber, deployment.keys, log)
  const limits = { ...TEST_LIMITS, ...options.limits }
  const quotas = { ...socketQuotas(limits, {}), ...options.quotas }
  const ctx: EdgeContext = {
    edgeId,
    sql: deployment.schema.sql,
    redis: deployment.redis,
    keys: deployment.keys,
    partitions: deployment.partitions,
    append: options.append?.(deployment.append) ?? deployment.append,
    replies: fanout.replies,
    cancellations,
    metrics,
    log,
    limits,
    machines: {},
    kinds: new Map(KINDS.map((kind) => [kind.kind, kind])),
    readiness: () => ({ ready: true, reachable: { redis: true, postgres: true }, checks: {} }),
    clock,
    redisClock: createRedisClock(deployment.redis),
    auth: createAuthenticator(deployment.schema.sql, undefined, Date.now),
    revocations,
    // These tests are about the sockets themselves; tests/e2e/auth covers who may open them.
    publicReads: true,
    heartbeatRecordMs: quotas.heartbeatRecordMs,
    budget: UNBOUNDED,
  }
  registerSockets(app, ctx, fanout, quotas)
  const listening = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
    app.listen("127.0.0.1", 0, (socket) => (socket ? resolve(socket) : reject(new Error("cannot listen")))),
  )
  const port = uWS.us_socket_local_port(listening)

  return {
    deployment,
    ctx,
    fanout,
    metrics,
    port,
    fanoutProxy,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    async agent({ capabilities = ["test"], heartbeatIntervalMs = 10_000, maxConcurrency = 1 } = {}) {
      const id = randomUUID()
      const token = randomBytes(16).toString("hex")
      await deployment.append({
        kind: "agent",
        id,
        type: "CREATE",
        payload: { id, name: `bot-${id.slice(0, 4)}`, capabilities, heartbeatIntervalMs, maxConcurrency },
      })
      await saveAgentToken(deployment.schema.sql, id, token)
      await deployment.actor("agent", id)
      return { id, token }
    },
    async task(capability, title = "a task", spec = {}) {
      const id = randomUUID()
      await deployment.append({
        kind: "task",
        id,
        type: "CREATE",
        payload: { id, title, capability, dependsOn: [], blocked: false, ...spec },
      })
      return id
    },
    async close() {
      uWS.us_listen_socket_close(listening)
      await fanout.stop()
      // Not in this build's typings: closes every remaining connection.
      ;(app as uWS.TemplatedApp & { close?: () => void }).close?.()
      await close(blocking)
      await revocations.stop()
      await fanoutProxy?.close()
      if (options.deployment === undefined) await deployment.close()
    },
  }
}
