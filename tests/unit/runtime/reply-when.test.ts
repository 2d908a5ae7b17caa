// `replyWhen: "rejected"` (a bot's frame, acked at its append): the inbox entry's field is decoded at the boundary
// (an entry written before it existed decodes as then, a wrong value or a batched entry carrying it is refused with
// the reason its dead letter records); the planner writes no reply for an applied command that asked for refusals
// only, and its refusal names the command (`cmd_id` in the reply entry, which the edge's reader decodes the same by its
// plain check and by its Schema; kept so in a stored outbox, for a redelivery). Without the field, every outcome is
// answered, as before.
import { describe, expect, it } from "vitest"
import { ActorHost } from "../../../src/runtime/actor-host.ts"
import { eventStreamEntry } from "../../../src/runtime/execute-batch.ts"
import { decodeInboxEntry } from "../../../src/runtime/inbox-codec.ts"
import { planBatch, type InboxEntry } from "../../../src/runtime/plan-batch.ts"
import { restoredOutbox, storedOutbox } from "../../../src/runtime/stored-outbox.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { decodeEntryBySchema, decodeEventStreamEntry } from "../../../src/schema/event-stream.ts"
import { decodeStreamEntries } from "../../../src/schema/commands.ts"
import { KINDS } from "../../../actors/index.ts"

const AGENT = "00000000-0000-4000-8000-00000000000b"
const TASK = "00000000-0000-4000-8000-00000000000a"
const kinds = new Map(KINDS.map((kind) => [kind.kind, kind]))
const PARTITIONS = 16

const heartbeat = (extra: Record<string, string> = {}) => ({ type: "HEARTBEAT", actor: `agent:${AGENT}`, payload: "{}", ...extra })
const reason = (fields: Record<string, string>) => {
  const decoded = decodeStreamEntries(fields)
  return decoded.ok ? "decoded" : decoded.error.message
}

describe("replyWhen in an inbox entry", () => {
  it("decodes with the command; an entry without it (written before it existed) decodes as before", () => {
    const asked = decodeStreamEntries(heartbeat({ cmdId: `${AGENT}:h-1`, replyTo: "edge-a:1.1", replyWhen: "rejected" }))
    expect(asked.ok && asked.value).toEqual([
      { type: "HEARTBEAT", payload: {}, kind: "agent", id: AGENT, cmdId: `${AGENT}:h-1`, replyTo: "edge-a:1.1", replyWhen: "rejected" },
    ])
    const old = decodeStreamEntries(heartbeat({ cmdId: `${AGENT}:h-1`, replyTo: "edge-a:1.1" }))
    expect(old.ok && old.value).toEqual([
      { type: "HEARTBEAT", payload: {}, kind: "agent", id: AGENT, cmdId: `${AGENT}:h-1`, replyTo: "edge-a:1.1" },
    ])
    // Without a reply address it asks nothing: left out.
    const unaddressed = decodeStreamEntries(heartbeat({ replyWhen: "rejected" }))
    expect(unaddressed.ok && unaddressed.value).toEqual([{ type: "HEARTBEAT", payload: {}, kind: "agent", id: AGENT }])
  })

  it("refuses a value other than `rejected`, and a batched entry carrying it, naming the field", () => {
    expect(reason(heartbeat({ replyTo: "edge-a:1.1", replyWhen: "applied" }))).toBe('replyWhen: expected "rejected", got "applied"')
    expect(reason(heartbeat({ replyTo: "edge-a:1.1", replyWhen: "" }))).toBe('replyWhen: expected "rejected", got ""')
    const batched = { type: "HEARTBEAT", actor: `agent:${AGENT}`, payload: "[{}, {}]", batch: "2", replyWhen: "rejected" }
    expect(reason(batched)).toBe("batch: a batched entry carries no replyWhen")
  })
})

/** Plans `entries` for the agent's partition with the runtime's own decoding. */
const plan = (entries: InboxEntry[], host = new ActorHost({ maxActors: 10 })) =>
  planBatch({
    partition: partitionOf("agent", AGENT, PARTITIONS),
    partitions: PARTITIONS,
    entries,
    decode: decodeInboxEntry,
    kinds,
    host,
    stored: new Map(),
  })

const createAgent: InboxEntry = {
  id: "1000-0",
  fields: {
    type: "CREATE",
    actor: `agent:${AGENT}`,
    payload: JSON.stringify({ id: AGENT, name: "bot", capabilities: ["code"] }),
  },
}

describe("the planner's replies", () => {
  it("writes none for an applied command that asked for refusals only, and one for each outcome without it", () => {
    const result = plan([
      createAgent,
      { id: "1001-0", fields: heartbeat({ cmdId: `${AGENT}:h-1`, replyTo: "edge-a:1.1", replyWhen: "rejected" }) },
      { id: "1002-0", fields: heartbeat({ cmdId: `${AGENT}:h-2`, replyTo: "edge-a:1.2" }) },
    ])
    expect(result.counts).toMatchObject({ applied: 3, rejected: 0 })
    const replies = result.outbox.filter((item) => item._tag === "reply")
    expect(replies).toEqual([expect.objectContaining({ replyTo: "edge-a:1.2", outcome: "applied", entryId: "1002-0" })])
    expect(replies[0]).not.toHaveProperty("cmdId")
    // Nor is one stored in the agent's outbox for a redelivery to send.
    const stored = JSON.stringify(result.rows[0]?.outbox)
    expect(stored).not.toContain("edge-a:1.1")
  })

  it("answers a refusal of a command that asked for refusals only with its command id; without it, as before", () => {
    const start = (id: string, extra: Record<string, string>): InboxEntry => ({
      id,
      fields: { type: "START", actor: `task:${TASK}`, payload: JSON.stringify({ agent_id: AGENT }), ...extra },
    })
    const result = planBatch({
      partition: partitionOf("task", TASK, PARTITIONS),
      partitions: PARTITIONS,
      entries: [
        start("1001-0", { cmdId: `${AGENT}:s-1`, replyTo: "edge-a:1.1", replyWhen: "rejected" }),
        start("1002-0", { cmdId: `${AGENT}:s-2`, replyTo: "edge-a:1.2" }),
      ],
      decode: decodeInboxEntry,
      kinds,
      host: new ActorHost({ maxActors: 10 }),
      stored: new Map(),
    })
    const replies = result.outbox.filter((item) => item._tag === "reply")
    expect(replies).toEqual([
      expect.objectContaining({ replyTo: "edge-a:1.1", outcome: "rejected", code: "not_found", cmdId: `${AGENT}:s-1` }),
      expect.objectContaining({ replyTo: "edge-a:1.2", outcome: "rejected", code: "not_found" }),
    ])
    expect(replies[1]).not.toHaveProperty("cmdId")
    // The reply entries the edge reads: `cmd_id` in the first only, decoded alike by the plain check and the Schema.
    const [named, plain] = replies.map((item) => eventStreamEntry(item)!)
    expect(JSON.parse(named!.body!)).toEqual({
      actor: { kind: "task", id: TASK },
      outcome: "rejected",
      state: null,
      code: "not_found",
      reason: expect.any(String),
      cmd_id: `${AGENT}:s-1`,
      stream_id: "1001-0",
    })
    expect(JSON.parse(plain!.body!)).not.toHaveProperty("cmd_id")
    // Stored for a redelivery (the refused task does not exist here: as a row's outbox would hold them), read back the same.
    const self = { kind: "task", id: TASK }
    const partition = partitionOf("task", TASK, PARTITIONS)
    const stored = JSON.parse(JSON.stringify(storedOutbox(self, partition, replies)))
    expect(restoredOutbox(self, partition, stored)).toEqual(replies)
    for (const entry of [named!, plain!]) {
      const decoded = decodeEventStreamEntry(entry)
      expect(decoded).toEqual(decodeEntryBySchema(entry))
      expect(decoded.ok && decoded.value.type === "reply" && decoded.value.reply.cmd_id).toBe(entry === named ? `${AGENT}:s-1` : undefined)
    }
  })
})
