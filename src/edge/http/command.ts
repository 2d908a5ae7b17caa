// Sends one command to an actor the way every HTTP command goes: refused at once while the last
// readiness probe found Postgres unreachable (the runtime could not apply it), appended with a reply
// address and a deadline on Redis's clock if the request's budget is not spent yet, the append's
// confirmation awaited for the rest of the budget (`appendSent`: unconfirmed by then, nothing was
// accepted), and the runtime's verdict awaited (outside the budget) for at most `limits.waitMs`;
// a machine refusal becomes the ApiError of its code with the machine's reason.
import { Schema } from "effect"
import { deadlineFor } from "../../redis/clock.ts"
import { AppendExpired } from "../../redis/scripts.ts"
import type { Appended, AppendInput } from "../../runtime/append.ts"
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

/** The 503 of an append Redis did not confirm within the request's budget, or ran after its deadline. */
export const NOT_CONFIRMED = "Redis did not confirm the command in time; nothing was accepted"

/**
 * Sends appends with a deadline on Redis's clock (`send` is given the function that fixes it, asked by
 * each append once validated) and waits for them until the request's budget is spent; then, or when an
 * append answers that its deadline had passed, throws `unavailable` NOT_CONFIRMED. That is true: the
 * deadline is set so that Redis's clock is past it once the wait ends (src/redis/clock.ts
 * `deadlineFor`), and append.lua writes nothing after it, so an append still queued in a hung Redis or
 * on the way to it writes nothing when it runs. The one case left is an append Redis ran in time whose
 * reply was lost or delayed past the wait (docs/edge.md). Without a fresh estimate of Redis's clock one
 * is taken first, on the budget. Validating the commands (inside `send`) is not counted. A reply that
 * comes after the wait settles the append's promise with nobody waiting: ioredis matches replies in
 * order, so the connection stays in step, and the rejection is caught here.
 */
export const appendSent = async <T>(ctx: EdgeContext, send: (deadline: () => number) => Promise<T>): Promise<T> => {
  ctx.budget.check()
  const clock = ctx.redisClock
  if (clock.fresh() === undefined) await ctx.budget.bound(clock.sample(), () => new Unreachable(NOT_CONFIRMED))
  let fixed: number | undefined
  /** One deadline for every append sent, fixed when the first asks (every one validated by then). */
  const deadline = (): number => {
    const estimate = clock.fresh()
    fixed ??= estimate === undefined ? undefined : deadlineFor(estimate, clock.now(), ctx.budget.left())
    if (fixed === undefined) throw new Unreachable(NOT_CONFIRMED)
    return fixed
  }
  const sending = ctx.budget.paused(() => send(deadline))
  sending.catch(() => undefined)
  try {
    return await ctx.budget.bound(sending, () => new Unreachable(NOT_CONFIRMED))
  } catch (error) {
    throw error instanceof AppendExpired ? new Unreachable(NOT_CONFIRMED) : error
  }
}

/** `1, 3-5` for [1, 3, 4, 5]. */
const ranges = (indexes: ReadonlyArray<number>): string =>
  indexes
    .reduce<number[][]>((runs, index) => {
      const last = runs.at(-1)
      if (last !== undefined && last.at(-1) === index - 1) last.push(index)
      else runs.push([index])
      return runs
    }, [])
    .map((run) => (run.length === 1 ? `${run[0]}` : `${run[0]}-${run.at(-1)}`))
    .join(", ")

/**
 * Appends several commands together, e.g. a batch's (usually one call on a single Redis: the append gathers the
 * commands of one turn of the event loop, src/runtime/append.ts), all with one deadline (appendSent), and waits for
 * every one until the budget is spent. When some were confirmed and others not (a batch split over two calls by
 * their limit, or some partitions' nodes of a Redis Cluster did not answer), the 503 names the commands that were
 * accepted: the others were not.
 */
export const appendAll = async (ctx: EdgeContext, commands: ReadonlyArray<AppendInput>): Promise<Appended[]> => {
  const confirmed: Array<Appended | undefined> = commands.map(() => undefined)
  try {
    return await appendSent(ctx, async (deadline) => {
      const settled = await Promise.allSettled(
        commands.map((command, index) => ctx.append({ ...command, deadline }).then((appended) => (confirmed[index] = appended))),
      )
      const failed = settled.find((outcome) => outcome.status === "rejected")
      if (failed !== undefined) throw failed.reason
      return confirmed as Appended[]
    })
  } catch (error) {
    const accepted = confirmed.flatMap((appended, index) => (appended === undefined ? [] : [index]))
    if (accepted.length === 0) throw error
    throw new Unreachable(
      `Redis confirmed only ${accepted.length} of the ${commands.length} commands in time: those at positions ${ranges(accepted)} ` +
        `(ids ${accepted.map((index) => commands[index]?.id).join(", ")}) were accepted, the others were not`,
    )
  }
}

/** Appends the command and waits for its verdict; throws the refusal when the machine refused it. */
export const sendCommand = async (
  ctx: EdgeContext,
  command: Omit<AppendInput, "replyTo" | "replyWhen" | "cmdId" | "deadline">,
): Promise<Sent> => {
  requirePostgres(ctx)
  ctx.budget.check()
  const replyTo = ctx.replies.address()
  const appended = await appendSent(ctx, (deadline) => ctx.append({ ...command, replyTo, deadline }))
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
