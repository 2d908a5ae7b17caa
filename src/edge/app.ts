// The edge: one uWebSockets.js app serving the HTTP API and both WebSockets on one port. Builds the
// app, starts the event-stream fan-out (its own blocking Redis connection), the EdgeContext, the
// HTTP routes and the sockets, then listens; `close()` stops in reverse.
import { randomUUID } from "node:crypto"
import { once } from "node:events"
import type { Redis } from "ioredis"
import uWS from "uWebSockets.js"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import type { AppendFn } from "../runtime/append.ts"
import type { MachineDescription } from "../runtime/describe-machine.ts"
import { DEFAULT_TUNING } from "../runtime/runtime.ts"
import type { Sql } from "../store/db.ts"
import { createAuthenticator } from "./auth.ts"
import type { EdgeContext, EdgeLimits } from "./context.ts"
import { startFanout } from "./fanout.ts"
import { httpHandler } from "./http/dispatch.ts"
import { edgeReadiness, type RuntimeView } from "./http/readiness.ts"
import { createRouter } from "./http/router.ts"
import { edgeRoutes } from "./http/routes/index.ts"
import { collectInboxLag, collectRuntimeStats } from "./http/scrape.ts"
import { FALLBACK_REFUSED, fallbackRequested, uwsBuild } from "./http/uws-build.ts"
import { createMetrics } from "./metrics.ts"
import { registerSockets } from "./sockets/index.ts"

export const DEFAULT_LIMITS: EdgeLimits = {
  maxPayloadBytes: 1024 * 1024,
  maxBackpressureBytes: 1024 * 1024,
  perConnectionPerSecond: 50,
  perTokenPerSecond: 100,
  allowedOrigins: [],
  waitMs: 5_000,
}

export interface EdgeOptions {
  /** For commands and reads; the fan-out gets a duplicate of it for its blocking reads. */
  readonly redis: Redis
  readonly sql: Sql
  readonly keys: Keys
  readonly partitions: number
  readonly append: AppendFn
  readonly log: Logger
  readonly machines: Readonly<Record<string, MachineDescription>>
  readonly host: string
  /** 0: any free port (the edge answers the one it got). */
  readonly port: number
  /** The configured operator token; without one the stored (hashed) operator tokens are accepted. */
  readonly operatorToken?: string
  readonly limits?: Partial<EdgeLimits>
  /** A runtime in the same process: part of /ready. (Every runtime's statistics reach /metrics through Redis.) */
  readonly runtime?: RuntimeView
  /** How long a runtime member stays live without a heartbeat: /metrics shows only live members' statistics. */
  readonly memberExpiryMs?: number
  readonly edgeId?: string
  readonly clock?: () => number
  /** Run on uWS's `ws` fallback (default: only when UWS_USE_FALLBACK asks for it). */
  readonly allowFallback?: boolean
}

export interface Edge {
  readonly edgeId: string
  /** The port it listens on. */
  readonly port: number
  /** Stops listening, stops the fan-out, closes every connection. */
  close(): Promise<void>
}

const listen = (app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> =>
  new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => (socket ? resolve(socket) : reject(new Error(`the edge cannot listen on ${host}:${port}`))))
  })

/** A connection of its own for the fan-out's XREAD BLOCK. */
const blockingConnection = async (redis: Redis): Promise<Redis> => {
  const blocking = redis.duplicate()
  blocking.on("error", () => undefined) // it reconnects on its own; the fan-out logs failed reads
  try {
    await once(blocking, "ready")
  } catch (error) {
    blocking.disconnect()
    throw error
  }
  return blocking
}

export const createEdge = async (options: EdgeOptions): Promise<Edge> => {
  const { redis, sql, keys, partitions, log, runtime } = options
  const build = uwsBuild()
  if (build === "fallback" && !(options.allowFallback ?? fallbackRequested())) throw new Error(FALLBACK_REFUSED)
  log.info("uWebSockets.js loaded", { build })

  const edgeId = options.edgeId ?? `edge-${randomUUID().slice(0, 8)}`
  const app = uWS.App()
  const metrics = createMetrics()
  const blocking = await blockingConnection(redis)
  const fanout = await startFanout({ app, blocking, redis, keys, log, metrics, edgeId }).catch((error: unknown) => {
    blocking.disconnect()
    throw error
  })

  const ctx: EdgeContext = {
    edgeId, sql, redis, keys, partitions, append: options.append, replies: fanout.replies, metrics, log,
    limits: { ...DEFAULT_LIMITS, ...options.limits }, machines: options.machines,
    readiness: edgeReadiness(redis, sql, runtime), clock: options.clock ?? Date.now,
  }
  const memberExpiryMs = options.memberExpiryMs ?? DEFAULT_TUNING.memberExpiryMs
  const scrape = async () => {
    await Promise.all([
      collectInboxLag(redis, keys, partitions, metrics).catch((error: unknown) => log.warn("inbox lag not collected", errorFields(error))),
      collectRuntimeStats(redis, keys, ctx.clock() - memberExpiryMs, metrics, log)
        .catch((error: unknown) => log.warn("runtime statistics not collected", errorFields(error))),
    ])
    return metrics.render()
  }
  const router = createRouter(edgeRoutes({ uws: build, scrape }))
  app.any("/*", httpHandler({ ctx, router, auth: createAuthenticator(sql, options.operatorToken) }))
  registerSockets(app, ctx, fanout)

  let listening: uWS.us_listen_socket
  try {
    listening = await listen(app, options.host, options.port)
  } catch (error) {
    await fanout.stop()
    blocking.disconnect()
    throw error
  }
  const port = uWS.us_socket_local_port(listening)
  log.info("edge listening", { edgeId, host: options.host, port, routes: router.routes.length })

  let closing: Promise<void> | undefined
  return {
    edgeId,
    port,
    close: () =>
      (closing ??= (async () => {
        uWS.us_listen_socket_close(listening)
        await fanout.stop()
        // Not in the typings of this build: closes every remaining connection (sockets, keep-alive).
        ;(app as uWS.TemplatedApp & { close?: () => void }).close?.()
        blocking.disconnect()
        log.info("edge stopped", { edgeId })
      })()),
  }
}
