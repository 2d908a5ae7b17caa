// The bot control socket `GET /ws/control?token=<agent token>` (PROTOCOL.md): the token is
// checked at the upgrade (401, no socket); on open the agent CONNECTs, gets `connected` first and,
// when it had connected before, every task it still holds; each bot frame becomes one command
// (acked, refusals answered with `ref`, a repeated frame id applied once), but a heartbeat without an id that says
// nothing new, which only pushes its agent's expiry back (./heartbeats.ts); on close it DISCONNECTs.
//
// Quotas (./quotas.ts): a frame over quotas.maxFrameBytes; frames of one agent over
// quotas.bytesPerSecond on all edges together (`rate_limited`, not appended; ./agent-bytes.ts); more
// than quotas.maxInFlight frames awaiting the stream (`rate_limited`). Frames are appended in the order
// they arrived, also when one waits for Redis's verdict on its bytes. A bug in a handler answers
// `internal` (./guard.ts).
//
// Close codes: 1009 payload_too_large (a frame over quotas.maxFrameBytes; without the front door, one
// over uwsFrameLimit, or a text frame that is not UTF-8, is dropped by uWS without a close frame, 1006:
// ../http/ws-frames.ts), 4429
// rate_limited (the frame rate stayed over limits.perConnectionPerSecond for another second's worth
// of frames), 4409 replaced (the same agent opened a newer control socket on this edge), 1013
// unavailable (the connection could not be recorded: Redis unreachable). A socket over
// limits.maxBackpressureBytes is closed by uWS (1006).
import { Schema } from "effect"
import type uWS from "uWebSockets.js"
import { errorFields } from "../../log.ts"
import { ApiError, type ErrorDetail, ErrorCode } from "../../schema/errors.ts"
import { decodeBotFrame, encodeServerFrame, type ServerFrame } from "../../schema/frames.ts"
import { agentIdForToken } from "../../store/tokens.ts"
import { getActor } from "../../store/queries.ts"
import type { AppendInput, Appended } from "../../runtime/append.ts"
import type { EdgeContext, Reply } from "../context.ts"
import type { Fanout } from "../fanout.ts"
import { type HeartbeatReport, scriptsOn } from "../../redis/scripts.ts"
import { bringUp, quarantinedError } from "../http/current.ts"
import { requestBudget } from "../http/deadline.ts"
import { FrameBudget } from "../rate-limit.ts"
import { sharedAgentBytes } from "./agent-bytes.ts"
import { lowWaterMark, socketBehavior } from "./behavior.ts"
import { commandFor, type FrameCommand } from "./control-commands.ts"
import { admitFrame, droppedByUws } from "./frame-guard.ts"
import { faultGuard } from "./guard.ts"
import type { SocketQuotas } from "./quotas.ts"
import { heldTaskFrames } from "./resume.ts"
import { HEARTBEATS, pushExpiryBack, type RecordedHeartbeat, recordedAt, saysNothingNew } from "./heartbeats.ts"
import { corkIfOpen, corkTogether, drained, type Gathered, type Paced, REJECTED_METRIC, releasePaced, sendText } from "./send.ts"
import type { Departing } from "./going-away.ts"
import { decodeAgentPresence } from "./stored.ts"

export const CONTROL_CLOSE = { unavailable: 1013, replaced: 4409 } as const

/** Frames appended and not acked yet, per socket; the oldest is forgotten beyond this. */
const MAX_PENDING = 1024
const BOTS_CONNECTED = "clawbot_bots_connected"

/** A frame with an id, appended and not acked yet. Its command asks for refusals only (`replyWhen`): an acceptance is
 * answered by the ack alone, and a refusal names the command (`cmd_id`, which holds the frame's id), so nothing of the
 * frame is kept once it is acked. */
interface PendingFrame {
  /** A refusal that arrived before the ack was sent; answered right after it. */
  rejection?: Reply
}

export interface ControlData extends Paced, Gathered, Departing {
  readonly agentId: string
  readonly heartbeatIntervalMs: number
  readonly resumed: boolean
  readonly budget: FrameBudget
  /** Frames waiting for the verdict on their bytes, or appended (or being appended) and not acked yet. */
  inFlight: number
  /** The last frame waiting for the verdict on its bytes: later frames queue behind it, so they are appended in order. */
  queued?: Promise<void>
  /** This socket's reply address: a refusal of the command of its `n`th frame with an id is answered at `<replyPrefix>.<n>`. */
  readonly replyPrefix: string
  readonly pending: Map<string, PendingFrame>
  seq: number
  stopListening?: () => void
  /** Its last heartbeat (or CONNECT) appended: a heartbeat saying nothing new since only pushes the expiry back. */
  heartbeat?: RecordedHeartbeat
}

interface Authenticated {
  readonly agentId: string
  readonly heartbeatIntervalMs: number
  readonly resumed: boolean
}

const unauthorized = (message: string) => new ApiError({ code: "unauthorized", message })
const isErrorCode = Schema.is(ErrorCode)

/** The frame id a refusal's command id names (`<agent id>:<frame id>`), when it is one of `agentId`'s frames. */
const refOf = (reply: Reply, agentId: string): string | undefined => {
  const cmdId = reply.cmd_id
  return cmdId !== undefined && cmdId.length > agentId.length + 1 && cmdId.startsWith(agentId) && cmdId[agentId.length] === ":"
    ? cmdId.slice(agentId.length + 1)
    : undefined
}

/** The error frame answering a command the runtime refused. */
const refusal = (reply: Reply, ref: string): ErrorDetail => ({
  code: isErrorCode(reply.code) ? reply.code : "conflict",
  message: reply.reason ?? `${reply.actor.kind} ${reply.actor.id} refused the command (state ${reply.state ?? "unknown"})`,
  ref,
})

export function controlSocket(
  ctx: EdgeContext,
  quotas: SocketQuotas,
  fanout: Pick<Fanout, "onAssigned">,
): uWS.WebSocketBehavior<ControlData> {
  const { limits, metrics, log } = ctx
  /** Held tasks resent to a resumed bot wait for its buffer to drain below this. */
  const lowWater = lowWaterMark(limits)
  /** The open control socket of each agent on this edge. */
  const sockets = new Map<string, uWS.WebSocket<ControlData>>()
  // A task pushed to a bot: its reports on it pass the frame rate (rate-limit.ts).
  fanout.onAssigned((agentId) => sockets.get(agentId)?.getUserData().budget.credit(1))
  /** Each agent's bytes a second, shared by every edge (and so by its successive sockets). */
  const agentBytes = sharedAgentBytes({ scripts: scriptsOn(ctx.redis), keys: ctx.keys, quotas, clock: ctx.clock, log })
  /** Where the agents' expiries are pushed back. */
  const expiry = { scripts: scriptsOn(ctx.redis), keys: ctx.keys, partitions: ctx.partitions }

  const frame = (value: ServerFrame): string => encodeServerFrame(value, ctx.clock())
  const send = (ws: uWS.WebSocket<ControlData>, text: string) => sendText(ws, text, "control", metrics)
  const sendError = (ws: uWS.WebSocket<ControlData>, detail: ErrorDetail) => {
    metrics.inc(REJECTED_METRIC, { code: detail.code })
    send(ws, frame({ type: "error", payload: detail }))
  }
  const guard = faultGuard<ControlData>({ socket: "control", log, sendError })

  const authenticate = async (token: string): Promise<Authenticated | ApiError> => {
    const agentId = await agentIdForToken(ctx.sql, token)
    const stored = agentId === undefined ? undefined : await getActor(ctx.sql, "agent", agentId)
    if (agentId === undefined || stored === undefined) return unauthorized("token: not a valid agent token")
    // Read as the runtime would restore it: an agent it cannot restore is refused like its commands (409).
    const { actor: agent, quarantined } = bringUp(ctx.kinds, stored)
    if (quarantined !== null) return quarantinedError(quarantined)
    if (agent.state === "deregistered") return new ApiError({ code: "forbidden", message: "agent: deregistered" })
    const presence = decodeAgentPresence(agent.snapshot)
    if (!presence.ok) throw new Error(`stored agent ${agentId} unreadable: ${presence.error.message}`)
    const { heartbeatIntervalMs, lastConnectedAt } = presence.value.context
    // Resumed only when an earlier control socket connected: HTTP heartbeats open no session to resume.
    return { agentId, heartbeatIntervalMs, resumed: lastConnectedAt !== undefined && lastConnectedAt !== null }
  }

  const answerFailure = (ws: uWS.WebSocket<ControlData>, error: unknown, ref: string | undefined) => {
    const refed = ref === undefined ? {} : { ref }
    if (error instanceof ApiError) return corkIfOpen(ws, () => sendError(ws, { code: error.code, message: error.message, ...refed }))
    log.warn("control frame not appended", { agentId: ws.getUserData().agentId, ...errorFields(error) })
    corkIfOpen(ws, () =>
      sendError(ws, { code: "unavailable", message: "the command was not accepted: the stream is unreachable; send it again", ...refed }),
    )
  }

  /** Counts an append in flight until it settles; a synchronous throw (a bug) counts nothing and reaches the caller. */
  const appendCounted = (data: ControlData, command: AppendInput): Promise<Appended> => {
    const appending = ctx.append(command)
    data.inFlight += 1
    return appending.finally(() => (data.inFlight -= 1))
  }

  /** Appends the frame's command; with an id: deduplicated, acked, and a refusal answered (the runtime answers nothing else). */
  const submit = (ws: uWS.WebSocket<ControlData>, command: FrameCommand, ref: string | undefined) => {
    const data = ws.getUserData()
    if (ref === undefined) {
      appendCounted(data, command)
        .catch((error: unknown) => answerFailure(ws, error, undefined))
        .catch(guard.onSocket(ws, "append"))
      return
    }
    data.seq += 1
    const replyTo = `${data.replyPrefix}.${data.seq}`
    // Written out rather than spread: members after a spread take V8's slow path.
    const { kind, id, type, payload } = command
    const cmdId = `${data.agentId}:${ref}`
    const appending = appendCounted(data, { kind, id, type, payload, cmdId, replyTo, replyWhen: "rejected" })
    const pending: PendingFrame = {}
    data.pending.set(replyTo, pending)
    if (data.pending.size > MAX_PENDING) data.pending.delete(data.pending.keys().next().value as string)
    appending
      .then(
        (appended) => {
          // Acked (a repeated id, which appends nothing, too: the runtime answers the first append's address only). A
          // refusal arriving from now on names its frame itself. The ack goes at the end of this microtask checkpoint,
          // before any reply of the stream reader's next read.
          data.pending.delete(replyTo)
          // With the other acks Redis confirmed in the same reply: one send for a bot's frames read together.
          corkTogether(
            ws,
            () => {
              send(ws, frame({ type: "ack", payload: { ref, streamId: appended.streamId } }))
              if (pending.rejection) sendError(ws, refusal(pending.rejection, ref))
            },
            guard.onSocket(ws, "ack", ref),
          )
        },
        (error: unknown) => {
          data.pending.delete(replyTo)
          answerFailure(ws, error, ref)
        },
      )
      .catch(guard.onSocket(ws, "ack", ref))
  }

  /** A heartbeat without an id: appended and recorded when it says something new (./heartbeats.ts), else its agent's
   * expiry pushed back, or appended all the same when no expiry is armed (or Redis did not answer). */
  const beat = (ws: uWS.WebSocket<ControlData>, command: FrameCommand, report: HeartbeatReport) => {
    const data = ws.getUserData()
    const now = ctx.clock()
    if (!saysNothingNew(data.heartbeat, report, now, quotas.heartbeatRecordMs)) return recordBeat(ws, command, report, now)
    data.inFlight += 1
    pushExpiryBack(expiry, data.agentId, data.heartbeatIntervalMs)
      .catch(() => false)
      .then((armed) => {
        if (armed) metrics.inc(HEARTBEATS, { recorded: "false" })
        else if (!data.closed) recordBeat(ws, command, report, now)
      })
      .finally(() => (data.inFlight -= 1))
      .catch(guard.onSocket(ws, "heartbeat"))
  }

  /** Appends a heartbeat, recorded from now on (the ones right behind it repeat it); not appended, nothing counts as
   * recorded any more, so the next heartbeat is appended. */
  const recordBeat = (ws: uWS.WebSocket<ControlData>, command: FrameCommand, report: HeartbeatReport, at: number) => {
    const data = ws.getUserData()
    data.heartbeat = recordedAt(data.heartbeat, report, at)
    appendCounted(data, command)
      .then(
        () => metrics.inc(HEARTBEATS, { recorded: "true" }),
        (error: unknown) => {
          data.heartbeat = undefined
          answerFailure(ws, error, undefined)
        },
      )
      .catch(guard.onSocket(ws, "append"))
  }

  /** Runs `go` once the frame's bytes were let through, after every earlier frame of the socket; answers a refusal. */
  const afterBytes = (ws: uWS.WebSocket<ControlData>, verdict: boolean | Promise<boolean>, ref: string | undefined, go: () => void) => {
    const data = ws.getUserData()
    const decide = (taken: boolean) => {
      if (taken) return go()
      sendError(ws, {
        code: "rate_limited",
        message: `frames: more than ${quotas.bytesPerSecond} bytes a second from this agent; send this one again later`,
        ...(ref === undefined ? {} : { ref }),
      })
    }
    if (typeof verdict === "boolean") {
      if (data.queued === undefined) return decide(verdict)
    } else {
      // Handled below once the frames before it are through; until then it must not count as unhandled.
      verdict.catch(() => undefined)
    }
    data.inFlight += 1
    const queued: Promise<void> = (data.queued ?? Promise.resolve())
      .then(() => verdict)
      .then(
        // A frame of a socket closed meanwhile is not appended, nor answered.
        (taken) => {
          if (!data.closed) corkIfOpen(ws, () => decide(taken))
        },
        (error: unknown) => {
          if (!data.closed) answerFailure(ws, error, ref)
        },
      )
      .finally(() => {
        data.inFlight -= 1
        if (data.queued === queued) data.queued = undefined
      })
      .catch(guard.onSocket(ws, "bytes", ref))
    data.queued = queued
  }

  /** A refusal of one of the socket's frames: answered after its ack (kept until then), or at once once acked. */
  const onReply = (ws: uWS.WebSocket<ControlData>, replyTo: string, reply: Reply) => {
    const data = ws.getUserData()
    // Its commands ask for refusals only; an acceptance says nothing the ack did not.
    if (reply.outcome === "applied") return
    const pending = data.pending.get(replyTo)
    if (pending !== undefined) {
      pending.rejection = reply
      return
    }
    const ref = refOf(reply, data.agentId)
    if (ref === undefined) return
    corkIfOpen(ws, () => sendError(ws, refusal(reply, ref)))
  }

  return guard.wrap({
    ...socketBehavior<ControlData>(limits, quotas, (upgrade) => {
      const token = upgrade.request.query("token")
      if (token === "") return upgrade.refuse(unauthorized("token: missing; connect with ?token=<agent token>"))
      // Bounded like an HTTP request: a silent Postgres refuses the upgrade (503) instead of holding it.
      requestBudget()
        .race(authenticate(token))
        .then(
          (outcome) => {
            if (outcome instanceof ApiError) return upgrade.refuse(outcome)
            const data: ControlData = {
              ...outcome,
              budget: new FrameBudget(limits.perConnectionPerSecond, ctx.clock),
              inFlight: 0,
              replyPrefix: ctx.replies.address(),
              pending: new Map(),
              seq: 0,
              closed: false,
            }
            upgrade.accept(data)
          },
          (error: unknown) => {
            log.warn("control socket upgrade failed", errorFields(error))
            upgrade.refuse(new ApiError({ code: "unavailable", message: "the agent store is unreachable; try again" }))
          },
        )
        .catch(guard.onUpgrade(upgrade.refuse, "upgrade"))
    }),

    open: (ws) => {
      const data = ws.getUserData()
      // One control socket per agent and edge: the older one goes (its DISCONNECT is appended before this CONNECT).
      sockets.get(data.agentId)?.end(CONTROL_CLOSE.replaced, "replaced")
      sockets.set(data.agentId, ws)
      metrics.set(BOTS_CONNECTED, sockets.size)
      send(
        ws,
        frame({
          type: "connected",
          payload: { agentId: data.agentId, heartbeatIntervalMs: data.heartbeatIntervalMs, sessionResumed: data.resumed },
        }),
      )
      ws.subscribe(`control:${data.agentId}`)
      data.stopListening = ctx.replies.listen(`${data.replyPrefix}.`, (replyTo, reply) => onReply(ws, replyTo, reply))
      const connectedAt = ctx.clock()
      ctx
        .append({ kind: "agent", id: data.agentId, type: "CONNECT", payload: {} })
        .then(() => {
          // The CONNECT beats too: the socket's first record.
          data.heartbeat ??= { at: connectedAt }
        })
        .catch((error: unknown) => {
          log.warn("agent connection not recorded; closing", { agentId: data.agentId, ...errorFields(error) })
          corkIfOpen(ws, () => {
            sendError(ws, { code: "unavailable", message: "the connection could not be recorded; reconnect" })
            ws.end(CONTROL_CLOSE.unavailable, "unavailable")
          })
        })
        .catch(guard.onSocket(ws, "connect"))
      if (!data.resumed) return
      heldTaskFrames(ctx, data.agentId)
        .then(
          async (frames) => {
            for (const text of frames) {
              data.budget.credit(1)
              corkIfOpen(ws, () => send(ws, text))
              await drained(ws, lowWater)
            }
          },
          (error: unknown) => log.warn("held tasks not sent again", { agentId: data.agentId, ...errorFields(error) }),
        )
        .catch(guard.onSocket(ws, "resume"))
    },

    message: (ws, message) => {
      const data = ws.getUserData()
      const bytes = admitFrame({ budget: data.budget, limits, quotas, metrics }, message, {
        error: (detail) => sendError(ws, detail),
        close: (code, reason) => ws.end(code, reason),
      })
      if (bytes === undefined) return
      const decoded = decodeBotFrame(bytes)
      if (!decoded.ok) return sendError(ws, decoded.error.toBody().error)
      const ref = decoded.value.id
      const refed = ref === undefined ? {} : { ref }
      if (data.inFlight >= quotas.maxInFlight) {
        return sendError(ws, {
          code: "rate_limited",
          message: `frames: ${data.inFlight} already wait for the stream; send this one again later`,
          ...refed,
        })
      }
      try {
        const frame = decoded.value
        const command = commandFor(frame, data.agentId)
        const go = frame.type === "heartbeat" && ref === undefined ? () => beat(ws, command, frame.payload) : () => submit(ws, command, ref)
        afterBytes(ws, agentBytes.take(data.agentId, bytes.byteLength), ref, go)
      } catch (error) {
        guard.onSocket(ws, "message", ref)(error)
      }
    },

    close: (ws, code, reason) => {
      const data = ws.getUserData()
      // Forgotten first, before anything that could throw: a closed socket left in the table would be
      // ended by the agent's next open ("Invalid access of closed uWS.WebSocket"), which would then fail.
      if (sockets.get(data.agentId) === ws) sockets.delete(data.agentId)
      releasePaced(data)
      try {
        metrics.set(BOTS_CONNECTED, sockets.size)
        // How the socket ended, for an operator asking why a bot reconnected: 1006 is a connection that ended without
        // a close frame, and uWS names most of its reasons (a frame too big or not UTF-8, an idle timeout, a FIN before
        // the close frame); it gives none when a read of the connection failed (docs/performance.md, round 40).
        log.debug("control socket closed", { agentId: data.agentId, code, reason: Buffer.from(reason).toString("utf8") })
        const dropped = droppedByUws(code, reason)
        if (dropped !== undefined) metrics.inc(REJECTED_METRIC, { code: dropped })
        data.stopListening?.()
        data.pending.clear()
      } finally {
        // The machine decides: offline, tasks kept until the heartbeat expires. Not when this edge is
        // going away: the bot reconnects elsewhere (./going-away.ts).
        if (data.goingAway !== true) {
          ctx.append({ kind: "agent", id: data.agentId, type: "DISCONNECT", payload: {} }).catch((error: unknown) =>
            log.warn("agent disconnection not recorded; its heartbeat expiry will take it offline", {
              agentId: data.agentId,
              ...errorFields(error),
            }),
          )
        }
      }
    },
  })
}
