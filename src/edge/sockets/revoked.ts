// Token checks around the two sockets that their own modules leave out: `/ws/events` opens only for a
// viewer or operator token (or anyone with CLAWBOT_PUBLIC_READS); and an agent's control sockets on
// this edge are closed with 4401 when its tokens are revoked (rotation, deregistration: a revocation
// heard from any edge); an ended socket's frames are never handed to the control socket again.
import type uWS from "uWebSockets.js"
import { ApiError, wsCloseCode } from "../../schema/errors.ts"
import type { EdgeContext } from "../context.ts"
import { requestBudget } from "../http/deadline.ts"
import { gatedUpgrade } from "./upgrade.ts"

const REVOKED_CLOSE = wsCloseCode.unauthorized ?? 4401

/** The event socket's behavior, its upgrade gated on a viewer or operator token. */
export function readersOnly<T>(ctx: EdgeContext, behavior: uWS.WebSocketBehavior<T>): uWS.WebSocketBehavior<T> {
  const inner = behavior.upgrade
  if (inner === undefined) return behavior
  const gate = async (token: string): Promise<ApiError | undefined> => {
    if (token === "") {
      return ctx.publicReads
        ? undefined
        : new ApiError({ code: "unauthorized", message: "token: missing; connect with ?token=<viewer or operator token>" })
    }
    // Bounded like an HTTP request: a silent Postgres refuses the upgrade (503) instead of holding it.
    const principal = await requestBudget().race(ctx.auth.verify(token))
    if (principal === undefined) return new ApiError({ code: "unauthorized", message: "token: unknown or revoked" })
    if (principal.role === "agent" && !ctx.publicReads) {
      return new ApiError({
        code: "forbidden",
        message: "token: an agent token opens /ws/control; /ws/events needs a viewer or operator token",
      })
    }
    return undefined
  }
  return { ...behavior, upgrade: gatedUpgrade((res, req, context) => void inner(res, req, context), gate) }
}

/** The control socket's behavior with its sockets closed (4401) when their agent's tokens are revoked. */
export function revocable<T extends { readonly agentId: string }>(
  ctx: EdgeContext,
  behavior: uWS.WebSocketBehavior<T>,
): uWS.WebSocketBehavior<T> {
  const byAgent = new Map<string, Set<uWS.WebSocket<T>>>()
  ctx.revocations.onRevoked((revocation) => {
    if (revocation.kind !== "agent") return
    // end() runs the close handler at once; uWS hands an ended socket no further frame.
    for (const ws of [...(byAgent.get(revocation.id) ?? [])]) ws.end(REVOKED_CLOSE, "token revoked")
  })
  return {
    ...behavior,
    open: (ws) => {
      const { agentId } = ws.getUserData()
      const sockets = byAgent.get(agentId) ?? new Set()
      sockets.add(ws)
      byAgent.set(agentId, sockets)
      return behavior.open?.(ws)
    },
    close: (ws, code, message) => {
      const { agentId } = ws.getUserData()
      const sockets = byAgent.get(agentId)
      sockets?.delete(ws)
      if (sockets?.size === 0) byAgent.delete(agentId)
      return behavior.close?.(ws, code, message)
    },
  }
}
