// The bot control socket `GET /ws/control?token=<agent token>` (PROTOCOL.md): the token is
// checked at the upgrade (401, no socket); on open the agent CONNECTs, gets `connected` first and,
// when it had connected before, every task it still holds; each bot frame becomes one command
// (acked, refusals answered with `ref`, a repeated frame id applied once); on close it DISCONNECTs.
//
// Close codes: 1009 payload_too_large (a frame over limits.maxPayloadBytes; one over twice that
// is dropped by uWS without a close frame, 1006), 4429 rate_limited (the frame rate stayed over
// limits.perConnectionPerSecond for another second's worth of frames), 4409 replaced (the same
// agent opened a newer control socket on this edge), 1013 unavailable (the connection could not
// be recorded: Redis unreachable). A socket over limits.maxBackpressureBytes is closed by uWS (1006).
import { Schema } from "effect"
import type uWS from "uWebSockets.js"
import { errorFields } from "../../log.ts"
import { ApiError, type ErrorDetail, ErrorCode } from "../../schema/errors.ts"
import { BotFrame, decodeFrame, encodeFrame, ServerFrame } from "../../schema/frames.ts"
import { agentIdForToken } from "../../store/tokens.ts"
import { getActor } from "../../store/queries.ts"
import type { EdgeContext, Reply } from "../context.ts"
import { FrameBudget } from "../rate-limit.ts"
import { lowWaterMark, socketBehavior } from "./behavior.ts"
import { commandFor, type FrameCommand } from "./control-commands.ts"
import { admitFrame } from "./frame-guard.ts"
import { heldTaskFrames } from "./resume.ts"
import { corkIfOpen, drained, type Paced, REJECTED_METRIC, releasePaced, sendText } from "./send.ts"
import { decodeAgentPresence } from "./stored.ts"

export const CONTROL_CLOSE = { unavailable: 1013, replaced: 4409 } as const

/** Frames awaiting the runtime's verdict, per socket; the oldest is forgotten beyond this. */
const MAX_PENDING = 1024
const BOTS_CONNECTED = "clawbot_bots_connected"

interface PendingFrame {
  readonly ref: string
  acked: boolean
  /** A refusal that arrived before the ack was sent; answered right after it. */
  rejection?: Reply
}

export interface ControlData extends Paced {
  readonly agentId: string
  readonly heartbeatIntervalMs: number
  readonly resumed: boolean
  readonly budget: FrameBudget
  /** This socket's reply address: the command of its `n`th frame with an id is answered at `<replyPrefix>.<n>`. */
  readonly replyPrefix: string
  readonly pending: Map<string, PendingFrame>
  seq: number
  stopListening?: () => void
}

interface Authenticated {
  readonly agentId: string
  readonly heartbeatIntervalMs: number
  readonly resumed: boolean
}

const unauthorized = (message: string) => new ApiError({ code: "unauthorized", message })
const isErrorCode = Schema.is(ErrorCode)

/** The error frame answering a command the runtime refused. */
const refusal = (reply: Reply, ref: string): ErrorDetail => ({
  code: isErrorCode(reply.code) ? reply.code : "conflict",
  message: reply.reason ?? `${reply.actor.kind} ${reply.actor.id} refused the command (state ${reply.state ?? "unknown"})`,
  ref,
})

export function controlSocket(ctx: EdgeContext): uWS.WebSocketBehavior<ControlData> {
  const { limits, metrics, log } = ctx
  /** Held tasks resent to a resumed bot wait for its buffer to drain below this. */
  const lowWater = lowWaterMark(limits)
  /** The open control socket of each agent on this edge. */
  const sockets = new Map<string, uWS.WebSocket<ControlData>>()

  const frame = (value: ServerFrame): string =>
    encodeFrame(ServerFrame, { ...value, timestamp: new Date(ctx.clock()).toISOString() })
  const send = (ws: uWS.WebSocket<ControlData>, text: string) => sendText(ws, text, "control", metrics)
  const sendError = (ws: uWS.WebSocket<ControlData>, detail: ErrorDetail) => {
    metrics.inc(REJECTED_METRIC, { code: detail.code })
    send(ws, frame({ type: "error", payload: detail }))
  }

  const authenticate = async (token: string): Promise<Authenticated | ApiError> => {
    const agentId = await agentIdForToken(ctx.sql, token)
    const agent = agentId === undefined ? undefined : await getActor(ctx.sql, "agent", agentId)
    if (agentId === undefined || agent === undefined) return unauthorized("token: not a valid agent token")
    if (agent.state === "deregistered") return new ApiError({ code: "forbidden", message: "agent: deregistered" })
    const presence = decodeAgentPresence(agent.snapshot)
    if (!presence.ok) throw new Error(`stored agent ${agentId} unreadable: ${presence.error.message}`)
    const { heartbeatIntervalMs, lastHeartbeatAt } = presence.value.context
    return { agentId, heartbeatIntervalMs, resumed: lastHeartbeatAt !== null }
  }

  const answerFailure = (ws: uWS.WebSocket<ControlData>, error: unknown, ref: string | undefined) => {
    const refed = ref === undefined ? {} : { ref }
    if (error instanceof ApiError) return corkIfOpen(ws, () => sendError(ws, { code: error.code, message: error.message, ...refed }))
    log.warn("control frame not appended", { agentId: ws.getUserData().agentId, ...errorFields(error) })
    corkIfOpen(ws, () => sendError(ws, { code: "unavailable", message: "the command was not accepted: the stream is unreachable; send it again", ...refed }))
  }

  /** Appends the frame's command; with an id: deduplicated, acked, and a refusal answered. */
  const submit = (ws: uWS.WebSocket<ControlData>, command: FrameCommand, ref: string | undefined) => {
    const data = ws.getUserData()
    if (ref === undefined) {
      ctx.append(command).catch((error: unknown) => answerFailure(ws, error, undefined))
      return
    }
    data.seq += 1
    const replyTo = `${data.replyPrefix}.${data.seq}`
    const pending: PendingFrame = { ref, acked: false }
    data.pending.set(replyTo, pending)
    if (data.pending.size > MAX_PENDING) data.pending.delete(data.pending.keys().next().value as string)
    ctx.append({ ...command, cmdId: `${data.agentId}:${ref}`, replyTo }).then(
      (appended) => {
        // A repeated id appends nothing: the runtime answers the first append's address only.
        if (appended.duplicate) data.pending.delete(replyTo)
        corkIfOpen(ws, () => {
          send(ws, frame({ type: "ack", payload: { ref, streamId: appended.streamId } }))
          pending.acked = true
          if (pending.rejection) {
            data.pending.delete(replyTo)
            sendError(ws, refusal(pending.rejection, ref))
          }
        })
      },
      (error: unknown) => {
        data.pending.delete(replyTo)
        answerFailure(ws, error, ref)
      },
    )
  }

  const onReply = (ws: uWS.WebSocket<ControlData>, replyTo: string, reply: Reply) => {
    const data = ws.getUserData()
    const pending = data.pending.get(replyTo)
    if (pending === undefined) return
    if (reply.outcome === "applied") return void data.pending.delete(replyTo)
    if (!pending.acked) {
      pending.rejection = reply
      return
    }
    data.pending.delete(replyTo)
    corkIfOpen(ws, () => sendError(ws, refusal(reply, pending.ref)))
  }

  return {
    ...socketBehavior<ControlData>(limits, (upgrade) => {
      const token = upgrade.request.query("token")
      if (token === "") return upgrade.refuse(unauthorized("token: missing; connect with ?token=<agent token>"))
      authenticate(token).then(
        (outcome) => {
          if (outcome instanceof ApiError) return upgrade.refuse(outcome)
          const data: ControlData = {
            ...outcome,
            budget: new FrameBudget(limits.perConnectionPerSecond, ctx.clock),
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
    }),

    open: (ws) => {
      const data = ws.getUserData()
      // One control socket per agent and edge: the older one goes (its DISCONNECT is appended before this CONNECT).
      sockets.get(data.agentId)?.end(CONTROL_CLOSE.replaced, "replaced")
      sockets.set(data.agentId, ws)
      metrics.set(BOTS_CONNECTED, sockets.size)
      send(ws, frame({ type: "connected", payload: { agentId: data.agentId, heartbeatIntervalMs: data.heartbeatIntervalMs, sessionResumed: data.resumed } }))
      ws.subscribe(`control:${data.agentId}`)
      data.stopListening = ctx.replies.listen(`${data.replyPrefix}.`, (replyTo, reply) => onReply(ws, replyTo, reply))
      ctx.append({ kind: "agent", id: data.agentId, type: "CONNECT", payload: {} }).catch((error: unknown) => {
        log.warn("agent connection not recorded; closing", { agentId: data.agentId, ...errorFields(error) })
        corkIfOpen(ws, () => {
          sendError(ws, { code: "unavailable", message: "the connection could not be recorded; reconnect" })
          ws.end(CONTROL_CLOSE.unavailable, "unavailable")
        })
      })
      if (!data.resumed) return
      heldTaskFrames(ctx.sql, data.agentId, log).then(
        async (frames) => {
          for (const text of frames) {
            corkIfOpen(ws, () => send(ws, text))
            await drained(ws, lowWater)
          }
        },
        (error: unknown) => log.warn("held tasks not sent again", { agentId: data.agentId, ...errorFields(error) }),
      )
    },

    message: (ws, message, isBinary) => {
      const data = ws.getUserData()
      const text = admitFrame({ budget: data.budget, limits, metrics }, message, isBinary, {
        error: (detail) => sendError(ws, detail),
        close: (code, reason) => ws.end(code, reason),
      })
      if (text === undefined) return
      const decoded = decodeFrame(BotFrame, text)
      if (!decoded.ok) return sendError(ws, decoded.error.toBody().error)
      submit(ws, commandFor(decoded.value, data.agentId), decoded.value.id)
    },

    close: (ws) => {
      const data = ws.getUserData()
      releasePaced(data)
      data.stopListening?.()
      data.pending.clear()
      if (sockets.get(data.agentId) === ws) sockets.delete(data.agentId)
      metrics.set(BOTS_CONNECTED, sockets.size)
      // The machine decides: offline, tasks kept until the heartbeat expires.
      ctx.append({ kind: "agent", id: data.agentId, type: "DISCONNECT", payload: {} }).catch((error: unknown) =>
        log.warn("agent disconnection not recorded; its heartbeat expiry will take it offline", { agentId: data.agentId, ...errorFields(error) }),
      )
    },
  }
}
