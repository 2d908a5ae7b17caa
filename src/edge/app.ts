// The edge: one uWebSockets.js app serving the HTTP API and both WebSockets on one port. Builds the
// app, starts the event-stream fan-out (its own blocking Redis connection), the revocation listener
// (its own subscribed connection), the readiness monitor, the `fleet` topic's sampler, the EdgeContext, the HTTP routes and the
// sockets, then listens: behind the front door (front-door.ts, uWS on a private Unix socket) unless
// `frontDoor: false`, else uWS on the port itself; `close()` stops in reverse.
import { randomBytes, randomUUID } from "node:crypto"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Redis } from "ioredis"
import uWS from "uWebSockets.js"
import type { Logger } from "../log.ts"
import { errorFields } from "../log.ts"
import type { Keys } from "../redis/keys.ts"
import type { AppendFn } from "../runtime/append.ts"
import type { ActorKind } from "../runtime/actor-kind.ts"
import { describeMachine } from "../runtime/describe-machine.ts"
import { watchEventLoop } from "../runtime/event-loop-stalls.ts"
import { DEFAULT_TUNING } from "../runtime/runtime.ts"
import type { Sql } from "../store/db.ts"
import { createAuthenticator } from "./auth.ts"
import type { EdgeContext, EdgeLimits } from "./context.ts"
import { cancellationsSeen } from "./cancellations-seen.ts"
import { startFanout } from "./fanout.ts"
import { UNBOUNDED } from "./http/deadline.ts"
import { httpHandler } from "./http/dispatch.ts"
import { openFrontDoor, type FrontDoor } from "./http/front-door.ts"
import { monitorReadiness, type RuntimeView } from "./http/readiness.ts"
import { createRedisClock } from "../redis/clock.ts"
import { createRouter } from "./http/router.ts"
import { edgeRoutes } from "./http/routes/index.ts"
import { collectInboxLag, collectRuntimeStats } from "./http/scrape.ts"
import { FALLBACK_REFUSED, fallbackRequested, uwsBuild } from "./http/uws-build.ts"
import { createMetrics } from "./metrics.ts"
import { startRevocations } from "./revocations.ts"
import { relayDeadLetterNotices } from "./dead-letter-notices.ts"
import { startFleetNotices } from "./fleet-notices.ts"
import { registerSockets } from "./sockets/index.ts"
import { socketQuotas, type SocketQuotas } from "./sockets/quotas.ts"

export const DEFAULT_LIMITS: EdgeLimits = {
  maxPayloadBytes: 1024 * 1024,
  maxBackpressureBytes: 1024 * 1024,
  perConnectionPerSecond: 50,
  perTokenPerSecond: 200,
  connectionsPerAddress: 1024,
  headTimeoutMs: 10_000,
  allowedOrigins: [],
  waitMs: 5_000,
  orphanAfterS: 600,
  breakerCooldownMs: 30_000,
}

export interface EdgeOptions {
  /** For commands and reads; the fan-out gets a duplicate of it for its blocking reads. */
  readonly redis: Redis
  readonly sql: Sql
  readonly keys: Keys
  readonly partitions: number
  readonly append: AppendFn
  readonly log: Logger
  /** The actor kinds the runtimes run: their machines are shown (`/machines`), stored snapshots are brought up to their versions. */
  readonly kinds: ReadonlyArray<ActorKind>
  readonly host: string
  /** 0: any free port (the edge answers the one it got). */
  readonly port: number
  /** The configured operator token; without one the stored (hashed) operator tokens are accepted. */
  readonly operatorToken?: string
  readonly limits?: Partial<EdgeLimits>
  /** Socket quotas over those of the environment (CLAWBOT_WS_*, CLAWBOT_HEARTBEAT_RECORD_MS). */
  readonly quotas?: Partial<SocketQuotas>
  /** A runtime in the same process: part of /ready. (Every runtime's statistics reach /metrics through Redis.) */
  readonly runtime?: RuntimeView
  /** How long a runtime member stays live without a heartbeat: /metrics shows only live members' statistics. */
  readonly memberExpiryMs?: number
  readonly edgeId?: string
  readonly clock?: () => number
  /** Run on uWS's `ws` fallback (default: only when UWS_USE_FALLBACK asks for it). */
  readonly allowFallback?: boolean
  /** Serve reads (GET /api/v1/*, /ws/events) without a token (CLAWBOT_PUBLIC_READS). */
  readonly publicReads?: boolean
  /** Put the front door before uWS (default true; see front-door.ts for what it answers that uWS cannot). */
  readonly frontDoor?: boolean
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

const listenUnix = (app: uWS.TemplatedApp, path: string): Promise<uWS.us_listen_socket> =>
  new Promise((resolve, reject) => {
    app.listen_unix((socket) => (socket ? resolve(socket) : reject(new Error(`the edge cannot listen on ${path}`))), path)
  })

/** A connection of its own (the fan-out's XREAD BLOCK, the revocations' SUBSCRIBE), once ready. */
const ownConnection = async (redis: Redis): Promise<Redis> => {
  const own = redis.duplicate()
  own.on("error", () => undefined) // it reconnects on its own; its users log what failed
  try {
    await once(own, "ready")
  } catch (error) {
    own.disconnect()
    throw error
  }
  return own
}

/** Where uWS listens: the public port, or a private Unix socket behind the front door. */
interface Listening {
  readonly port: number
  readonly remoteAddress: "direct" | "proxied"
  /** Before the sockets are ended: stops what clients send from reaching them (the front door's quiesce). */
  quiesce(): void
  close(): Promise<void>
}

/** An edge alone tells of a stall of its event loop this long (ms): every answer and socket waited meanwhile. */
const EDGE_STALL_WARN_MS = 1_000

export const createEdge = async (options: EdgeOptions): Promise<Edge> => {
  const { redis, sql, keys, partitions, log, runtime } = options
  const build = uwsBuild()
  if (build === "fallback" && !(options.allowFallback ?? fallbackRequested())) throw new Error(FALLBACK_REFUSED)
  log.info("uWebSockets.js loaded", { build })

  const edgeId = options.edgeId ?? `edge-${randomUUID().slice(0, 8)}`
  const app = uWS.App()
  const metrics = createMetrics()
  const clock = options.clock ?? Date.now
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const blocking = await ownConnection(redis)
  const subscriber = await ownConnection(redis).catch((error: unknown) => {
    blocking.disconnect()
    throw error
  })
  const connections = () => {
    blocking.disconnect()
    subscriber.disconnect()
  }
  const cancellations = cancellationsSeen()
  const fanout = await startFanout({ app, blocking, redis, keys, log, metrics, edgeId, clock, cancellations }).catch((error: unknown) => {
    connections()
    throw error
  })
  const revocations = await startRevocations(redis, subscriber, keys, log)
  await relayDeadLetterNotices(app, subscriber, keys, log, metrics, clock)
  const redisClock = createRedisClock(redis)
  const readiness = await monitorReadiness(redisClock, sql, runtime)
  const stopFleetNotices = startFleetNotices({ app, redis, keys, partitions, clock, log, metrics })
  // A stall holds every answer and socket back; with a runtime in the process, the runtime tells it (its leases).
  const stalls = watchEventLoop({
    observe: (seconds) => metrics.observe("clawbot_event_loop_delay_seconds", seconds),
    warnAfterMs: EDGE_STALL_WARN_MS,
    stalled: (ms) => {
      if (runtime === undefined) log.warn("event loop stalled: no request answered, no socket served meanwhile", { stalledMs: ms })
    },
  })
  const auth = createAuthenticator(sql, options.operatorToken, clock, () => metrics.inc("clawbot_token_lookups_total"))
  revocations.onRevoked((revoked) => auth.forget(revoked))

  const quotas = { ...socketQuotas(limits), ...options.quotas }
  const ctx: EdgeContext = {
    edgeId,
    sql,
    redis,
    keys,
    partitions,
    append: options.append,
    replies: fanout.replies,
    cancellations,
    metrics,
    log,
    limits,
    machines: Object.fromEntries(options.kinds.map((kind) => [kind.kind, describeMachine(kind.machine)])),
    kinds: new Map(options.kinds.map((kind) => [kind.kind, kind])),
    readiness: readiness.current,
    clock,
    redisClock,
    auth,
    revocations,
    publicReads: options.publicReads ?? false,
    heartbeatRecordMs: quotas.heartbeatRecordMs,
    budget: UNBOUNDED,
  }
  const memberExpiryMs = options.memberExpiryMs ?? DEFAULT_TUNING.memberExpiryMs
  const scrape = async () => {
    await Promise.all([
      collectInboxLag(redis, keys, partitions, metrics).catch((error: unknown) => log.warn("inbox lag not collected", errorFields(error))),
      collectRuntimeStats(redis, keys, ctx.clock() - memberExpiryMs, metrics, log).catch((error: unknown) =>
        log.warn("runtime statistics not collected", errorFields(error)),
      ),
    ])
    return metrics.render()
  }
  const router = createRouter(edgeRoutes({ uws: build, scrape }))
  const frontDoor = options.frontDoor ?? true
  const refusalSecret = randomBytes(16).toString("hex")
  app.any("/*", httpHandler({ ctx, router, remoteAddress: frontDoor ? "proxied" : "direct", ...(frontDoor ? { refusalSecret } : {}) }))
  const sockets = registerSockets(app, ctx, fanout, quotas)

  /** uWS behind the front door, on a Unix socket in a private directory. */
  const behindFrontDoor = async (): Promise<Listening> => {
    const dir = await mkdtemp(join(tmpdir(), "clawbot-edge-"))
    const path = join(dir, "uws.sock")
    const inner = await listenUnix(app, path)
    let door: FrontDoor
    try {
      door = await openFrontDoor({
        host: options.host,
        port: options.port,
        upstream: path,
        connectionsPerAddress: limits.connectionsPerAddress,
        headTimeoutMs: limits.headTimeoutMs,
        refusalSecret,
        maxFrameBytes: quotas.maxFrameBytes,
        rules: { methodsOf: (target) => router.methods(target), maxBodyBytes: limits.maxPayloadBytes },
        log,
        metrics,
      })
    } catch (error) {
      uWS.us_listen_socket_close(inner)
      await rm(dir, { recursive: true, force: true })
      throw error
    }
    return {
      port: door.port,
      remoteAddress: "proxied",
      quiesce: () => door.quiesce(),
      close: async () => {
        uWS.us_listen_socket_close(inner)
        await door.close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  }
  const direct = async (): Promise<Listening> => {
    const socket = await listen(app, options.host, options.port)
    return {
      port: uWS.us_socket_local_port(socket),
      remoteAddress: "direct",
      quiesce: () => undefined,
      close: async () => uWS.us_listen_socket_close(socket),
    }
  }

  const stopParts = async () => {
    stalls.stop()
    stopFleetNotices()
    readiness.stop()
    await fanout.stop()
    await revocations.stop()
    connections()
  }
  let listening: Listening
  try {
    listening = frontDoor ? await behindFrontDoor() : await direct()
  } catch (error) {
    await stopParts()
    throw error
  }
  const port = listening.port
  log.info("edge listening", { edgeId, host: options.host, port, frontDoor, routes: router.routes.length })

  let closing: Promise<void> | undefined
  return {
    edgeId,
    port,
    close: () =>
      (closing ??= (async () => {
        // No new connection from here on; the open sockets are told to reconnect elsewhere (1001; what their
        // clients send from here on is dropped), then uWS closes every remaining connection (keep-alive ones);
        // the front door lets them finish.
        const closed = listening.close()
        listening.quiesce()
        sockets.goAway()
        // Not in the typings of this build.
        ;(app as uWS.TemplatedApp & { close?: () => void }).close?.()
        await closed
        await stopParts()
        log.info("edge stopped", { edgeId })
      })()),
  }
}
