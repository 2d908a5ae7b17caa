// Sends one command to an actor the way every HTTP command goes: refused at once while the last
// readiness probe found Postgres unreachable (the runtime could not apply it), appended with a reply
// address if the request's budget is not spent yet, the append once sent awaited off the budget
// (`appendSent`), and the runtime's verdict awaited (outside the budget) for at most `limits.waitMs`;
// a machine refusal becomes the ApiError of its code with the machine's reason.
import { Schema } from "effect"
import type { AppendInput } from "../../runtime/append.ts"
import { ApiError, ErrorCode } from "../../schema/errors.ts"
import type { EdgeContext, Reply } from "../context.ts"
import { Unreachable } from "./failure.ts"
import { json, type Answer, type Documented } from "./route.ts"
import { Accepted, Applied } from "./views.ts"

export interface Sent {
  readonly id: string
  /** The inbox entry id of the command. */
  readonly streamId: string
  /** The runtime's verdict (always `applied` here), or undefined when it did not arrive in time. */
  readonly applied: Reply | undefined
}

const isErrorCode = Schema.is(ErrorCode)

const refusal = (reply: Reply): ApiError =>
  new ApiError({
    code: reply.code !== undefined && isErrorCode(reply.code) ? reply.code : "conflict",
    message: reply.reason ?? `${reply.actor.kind} ${reply.actor.id} refused the command in state ${reply.state}`,
  })

/** Throws `unavailable` while the last readiness probe found Postgres unreachable: nothing could be applied. */
export const requirePostgres = (ctx: EdgeContext): void => {
  if (!ctx.readiness().reachable.postgres) throw new Unreachable("Postgres is unreachable; nothing was accepted")
}

/**
 * Waits for appends already sent, off the request's budget. A 503 says nothing was accepted, and an
 * append sent to a slow Redis may still land after the budget is spent: answering 503 then would let a
 * client's retry create the task (or session, agent) twice. So a slow Redis answers late, with what
 * was appended. A Redis that takes the command and never answers is given `limits.waitMs` more; then
 * the answer is 503 saying the command may still be accepted.
 */
export const appendSent = <T>(ctx: EdgeContext, sent: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const unconfirmed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Unreachable(
            `Redis took the command but did not confirm it within ${ctx.limits.waitMs} ms: it may still be accepted; look for it before sending it again`,
          ),
        ),
      ctx.limits.waitMs,
    )
  })
  return ctx.budget.exempt(Promise.race([sent, unconfirmed]).finally(() => clearTimeout(timer)))
}

/** Appends the command and waits for its verdict; throws the refusal when the machine refused it. */
export const sendCommand = async (ctx: EdgeContext, command: Omit<AppendInput, "replyTo" | "cmdId">): Promise<Sent> => {
  requirePostgres(ctx)
  ctx.budget.check()
  const replyTo = ctx.replies.address()
  const appended = await appendSent(ctx, ctx.append({ ...command, replyTo }))
  const reply = await ctx.budget.exempt(ctx.replies.wait(replyTo, ctx.limits.waitMs))
  if (reply?.outcome === "rejected") throw refusal(reply)
  return { id: command.id, streamId: appended.streamId, applied: reply }
}

/** 202 `{id, stream_id}`; with `?wait=1` and a verdict in time, 200 `{id, state, stream_id}`. */
export const commandAnswer = (sent: Sent, wait: boolean): Answer =>
  wait && sent.applied
    ? json(200, { id: sent.id, state: sent.applied.state, stream_id: sent.streamId })
    : json(202, { id: sent.id, stream_id: sent.streamId })

/** A creation answers 201 once applied, 202 while its verdict is pending. */
export const creationStatus = (sent: Sent): number => (sent.applied ? 201 : 202)

/** The successful answers of a command route. */
export const COMMAND_RESPONSES: Readonly<Record<number, Documented>> = {
  200: { description: "with ?wait=1: applied; the actor's state after the command", schema: Applied },
  202: { description: "accepted into the actor's inbox (verdict pending unless ?wait=1 was asked and answered)", schema: Accepted },
}
