// Idempotent append to a partition inbox: a command id is appended once, however often it is sent.
import { describe, expect, it } from "vitest"
import { createScripts } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"
import { waitFor } from "../../support/runtime.ts"

const fresh = freshRedis()

const entries = (inbox: string) => fresh.redis.xrange(inbox, "-", "+")

describe("append", () => {
  it("writes type, actor, payload, cmdId and extra fields as one inbox entry", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    const { id, duplicate } = await scripts.append(p, {
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
    const first = await scripts.append(p, command)
    const second = await scripts.append(p, { ...command, payload: '{"progress":0.9}' })
    expect(second).toEqual({ id: first.id, duplicate: true })
    expect((await entries(p.inbox)).map(([id]) => id)).toEqual([first.id])
  })

  it("appends every command without a cmdId, and different cmdIds separately", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    const command = { type: "HEARTBEAT", actor: "agent:a-1", payload: "{}" }
    const ids = [
      await scripts.append(p, command),
      await scripts.append(p, command),
      await scripts.append(p, { ...command, cmdId: "c-3" }),
      await scripts.append(p, { ...command, cmdId: "c-4" }),
    ].map((appended) => appended.id)
    expect(new Set(ids).size).toBe(4)
    expect(await fresh.redis.xlen(p.inbox)).toBe(4)
    expect(await fresh.redis.exists(p.dedupe(""))).toBe(0)
  })

  it("forgets a cmdId after the dedupe TTL", async () => {
    const p = fresh.keys.partition(3)
    const scripts = createScripts(fresh.redis, { dedupeTtlMs: 50 })
    const command = { type: "CANCEL", actor: "session:s-1", payload: "{}", cmdId: "c-5" }
    const first = await scripts.append(p, command)
    expect(await fresh.redis.get(p.dedupe("c-5"))).toBe(first.id)
    await waitFor("the cmdId's marker to expire", async () => ((await fresh.redis.exists(p.dedupe("c-5"))) === 0 ? true : undefined))
    const later = await scripts.append(p, command)
    expect(later.duplicate).toBe(false)
    expect(later.id).not.toBe(first.id)
    expect(await fresh.redis.xlen(p.inbox)).toBe(2)
  })
})
