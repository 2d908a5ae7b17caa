// Idempotent append to a partition inbox: a command id is appended once, however often it is sent;
// an append run after its deadline (on Redis's clock) writes nothing and answers AppendExpired. Several
// commands to several partitions go in one call, each answered on its own.
import { describe, expect, it } from "vitest"
import { AppendExpired, createScripts } from "../../../src/redis/scripts.ts"
import { appendOne, freshRedis } from "../../support/redis.ts"
import { waitFor } from "../../support/runtime.ts"

const fresh = freshRedis()

const entries = (inbox: string) => fresh.redis.xrange(inbox, "-", "+")

describe("append", () => {
  it("writes type, actor, payload, cmdId and extra fields as one inbox entry", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    const { id, duplicate } = await appendOne(scripts, p, {
      type: "START",
      actor: "task:t-1",
      payload: '{"agentId":"a-1"}',
      cmdId: "c-1",
      fields: { replyTo: "edge-1:17" },
    })
    expect(duplicate).toBe(false)
    expect(await entries(p.inbox)).toEqual([
      [id, ["type", "START", "actor", "task:t-1", "payload", '{"agentId":"a-1"}', "cmdId", "c-1", "replyTo", "edge-1:17"]],
    ])
  })

  it("appends the same cmdId once and answers the first entry's id again", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    const command = { type: "PROGRESS", actor: "task:t-2", payload: '{"progress":0.5}', cmdId: "c-2" }
    const first = await appendOne(scripts, p, command)
    const second = await appendOne(scripts, p, { ...command, payload: '{"progress":0.9}' })
    expect(second).toEqual({ id: first.id, duplicate: true })
    expect((await entries(p.inbox)).map(([id]) => id)).toEqual([first.id])
  })

  it("appends every command without a cmdId, and different cmdIds separately", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    const command = { type: "HEARTBEAT", actor: "agent:a-1", payload: "{}" }
    const ids = [
      await appendOne(scripts, p, command),
      await appendOne(scripts, p, command),
      await appendOne(scripts, p, { ...command, cmdId: "c-3" }),
      await appendOne(scripts, p, { ...command, cmdId: "c-4" }),
    ].map((appended) => appended.id)
    expect(new Set(ids).size).toBe(4)
    expect(await fresh.redis.xlen(p.inbox)).toBe(4)
    expect(await fresh.redis.exists(p.dedupe(""))).toBe(0)
  })

  it("forgets a cmdId after the dedupe TTL", async () => {
    const p = fresh.keys.partition(3)
    const scripts = createScripts(fresh.redis, { dedupeTtlMs: 50 })
    const command = { type: "CANCEL", actor: "session:s-1", payload: "{}", cmdId: "c-5" }
    const first = await appendOne(scripts, p, command)
    expect(await fresh.redis.get(p.dedupe("c-5"))).toBe(first.id)
    await waitFor("the cmdId's marker to expire", async () => ((await fresh.redis.exists(p.dedupe("c-5"))) === 0 ? true : undefined))
    const later = await appendOne(scripts, p, command)
    expect(later.duplicate).toBe(false)
    expect(later.id).not.toBe(first.id)
    expect(await fresh.redis.xlen(p.inbox)).toBe(2)
  })

  /** Redis's clock now, in ms. */
  const redisNow = async (): Promise<number> => {
    const [seconds, micros] = (await fresh.redis.time()) as unknown as [string, string]
    return Number(seconds) * 1000 + Number(micros) / 1000
  }

  it("writes nothing, not even the cmdId's marker, when the deadline has passed on Redis's clock", async () => {
    const p = fresh.keys.partition(4)
    const scripts = createScripts(fresh.redis)
    const command = { type: "CREATE", actor: "task:t-9", payload: "{}", cmdId: "c-9", fields: { replyTo: "edge-1:9" } }
    const deadline = Math.floor(await redisNow()) - 1
    await expect(appendOne(scripts, p, { ...command, deadline })).rejects.toBeInstanceOf(AppendExpired)
    expect(await fresh.redis.exists(p.inbox, p.dedupe("c-9"))).toBe(0)
    // The same command without a deadline, or with one still ahead, is written (extra fields after the deadline argument).
    const ahead = await appendOne(scripts, p, { ...command, deadline: Math.floor(await redisNow()) + 60_000 })
    expect(ahead.duplicate).toBe(false)
    expect(await entries(p.inbox)).toEqual([
      [ahead.id, ["type", "CREATE", "actor", "task:t-9", "payload", "{}", "cmdId", "c-9", "replyTo", "edge-1:9"]],
    ])
    expect(await appendOne(scripts, p, { ...command, cmdId: "c-10" })).toMatchObject({ duplicate: false })
    expect(await fresh.redis.xlen(p.inbox)).toBe(2)
  })

  it("appends commands to several partitions in one call, each its own entry with its fields, each answered on its own", async () => {
    const [p5, p6] = [fresh.keys.partition(5), fresh.keys.partition(6)]
    const scripts = createScripts(fresh.redis)
    const earlier = await appendOne(scripts, p6, { type: "START", actor: "task:t-2", payload: "{}", cmdId: "c-20" })
    const past = Math.floor(await redisNow()) - 1
    const answers = await scripts.appendAll([
      { p: p5, command: { type: "CREATE", actor: "task:t-1", payload: '{"n":1}', fields: { by: "operator" } } },
      { p: p6, command: { type: "START", actor: "task:t-2", payload: '{"n":2}', cmdId: "c-20" } },
      { p: p5, command: { type: "CREATE", actor: "task:t-3", payload: '{"n":3}', cmdId: "c-21", deadline: past } },
      {
        p: p6,
        command: {
          type: "COMPLETE",
          actor: "task:t-2",
          payload: '{"n":4}',
          cmdId: "c-22",
          fields: { replyTo: "edge-1:4", replyWhen: "rejected" },
        },
      },
      { p: p5, command: { type: "CREATE", actor: "task:t-3", payload: '{"n":5}', cmdId: "c-23", deadline: past + 60_000 } },
    ])
    expect(answers[1]).toEqual({ id: earlier.id, duplicate: true })
    expect(answers[2]).toBeInstanceOf(AppendExpired)
    const [first, , , fourth, fifth] = answers as Array<{ id: string; duplicate: boolean }>
    expect(await entries(p5.inbox)).toEqual([
      [first!.id, ["type", "CREATE", "actor", "task:t-1", "payload", '{"n":1}', "by", "operator"]],
      [fifth!.id, ["type", "CREATE", "actor", "task:t-3", "payload", '{"n":5}', "cmdId", "c-23"]],
    ])
    expect(await entries(p6.inbox)).toEqual([
      [earlier.id, ["type", "START", "actor", "task:t-2", "payload", "{}", "cmdId", "c-20"]],
      [
        fourth!.id,
        ["type", "COMPLETE", "actor", "task:t-2", "payload", '{"n":4}', "cmdId", "c-22", "replyTo", "edge-1:4", "replyWhen", "rejected"],
      ],
    ])
    // The expired command's id was not taken: sent again in time, it is appended.
    expect(await fresh.redis.exists(p5.dedupe("c-21"))).toBe(0)
    expect(await appendOne(scripts, p5, { type: "CREATE", actor: "task:t-3", payload: '{"n":3}', cmdId: "c-21" })).toMatchObject({
      duplicate: false,
    })
  })
})
