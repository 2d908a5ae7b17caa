// `POST /agents/{id}/heartbeat`: an HTTP heartbeat costs a transition only when it says something new, as a
// control socket's does (../sockets/heartbeats.ts). One that repeats the agent's last HTTP heartbeat appended
// (each member it reports, load and status, equal to the recorded one; a member absent: unchanged) while that
// record lasts (CLAWBOT_HEARTBEAT_RECORD_MS) and while the agent's expiry is armed only pushes the expiry back to
// `3 × heartbeat_interval_ms` after now (heartbeat-repeat.lua, one Redis call: no inbox entry, no transition, no
// history row), and is answered 202 with the recorded heartbeat's stream id, as a repeated command is. Any other
// is appended as `HEARTBEAT` and, once the runtime accepted it, recorded (heartbeat-record.lua), as is every one
// with `?wait=1` (its caller asked for the transition). A record that could not be written costs only a later
// append. The records are Redis's, so every edge answers an agent's heartbeats alike.
import { HEARTBEAT_MISSES, HEARTBEAT_TIMER } from "../../../machines/agent.ts"
import { errorFields } from "../../log.ts"
import { partitionOf } from "../../redis/partition.ts"
import type { PartitionKeys } from "../../redis/keys.ts"
import { type HeartbeatReport, type RedisScripts, scriptsOn } from "../../redis/scripts.ts"
import type { AgentHeartbeatBody } from "../../schema/http.ts"
import type { EdgeContext } from "../context.ts"
import { HEARTBEATS } from "../sockets/heartbeats.ts"
import { decodeAgentPresence } from "../sockets/stored.ts"
import { commandAnswer, sendCommand } from "./command.ts"
import { currentIfAny } from "./current.ts"
import { json, type Answer } from "./route.ts"

/** Answers agent `agentId`'s HTTP heartbeat: repeated (202, the recorded entry) or appended and recorded. */
export const httpHeartbeat = async (ctx: EdgeContext, agentId: string, report: AgentHeartbeatBody, wait: boolean): Promise<Answer> => {
  const scripts = scriptsOn(ctx.redis)
  const p = ctx.keys.partition(partitionOf("agent", agentId, ctx.partitions))
  if (!wait) {
    // Redis not answering: the append says so (503), as it would have.
    const recorded = await scripts.repeatHeartbeat(p, agentId, HEARTBEAT_TIMER, report).catch(() => undefined)
    if (recorded !== undefined) {
      ctx.metrics.inc(HEARTBEATS, { recorded: "false" })
      return json(202, { id: agentId, stream_id: recorded })
    }
  }
  const sent = await sendCommand(ctx, { kind: "agent", id: agentId, type: "HEARTBEAT", payload: report })
  ctx.metrics.inc(HEARTBEATS, { recorded: "true" })
  await record(ctx, scripts, p, agentId, report, sent.streamId).catch((error: unknown) =>
    ctx.log.warn("HTTP heartbeat not recorded (the next one is appended)", { agentId, ...errorFields(error) }),
  )
  return commandAnswer(sent, wait)
}

/** Records the appended heartbeat for the record period, with the agent's expiry window (3 × its heartbeat interval,
 * read from its stored snapshot brought up to its machine, as a control socket reads it at connect). */
const record = async (
  ctx: EdgeContext,
  scripts: RedisScripts,
  p: PartitionKeys,
  agentId: string,
  report: HeartbeatReport,
  entryId: string,
) => {
  const agent = await currentIfAny(ctx, "agent", agentId)
  const presence = agent === undefined ? undefined : decodeAgentPresence(agent.snapshot)
  if (presence === undefined || !presence.ok) return
  await scripts.recordHeartbeat(p, agentId, report, {
    entryId,
    windowMs: HEARTBEAT_MISSES * presence.value.context.heartbeatIntervalMs,
    periodMs: ctx.heartbeatRecordMs,
  })
}
