// Several commands of one type to one actor (a run) appended as one batched entry (append-runs.lua, here one
// run a call): each keeps its own command id, so a command appended before, alone or in another grouping of a
// redelivered batch, is left out and never appended twice.
import { describe, expect, it } from "vitest"
import type { PartitionKeys } from "../../../src/redis/keys.ts"
import { type AppendRun, createScripts, type RedisScripts } from "../../../src/redis/scripts.ts"
import { decodeStreamEntries } from "../../../src/schema/commands.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const entries = (inbox: string) => fresh.redis.xrange(inbox, "-", "+")

/** One run, appended in a call of its own: its answer. */
const appendRun = async (scripts: RedisScripts, p: PartitionKeys, run: AppendRun) => (await scripts.appendRuns(p, [run]))[0]!

const report = (n: number) => ({ cmdId: `0/1-0/${n}`, payload: JSON.stringify({ n }) })

describe("a batched entry", () => {
  it("writes two or more new commands as one entry: payload a JSON array in order, batch their count", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    const appended = await appendRun(scripts, p, { type: "TASK_STATUS", actor: "session:s-1", parts: [report(1), report(2), report(3)] })
    expect(appended.appended).toBe(3)
    expect(await entries(p.inbox)).toEqual([
      [appended.id, ["type", "TASK_STATUS", "actor", "session:s-1", "payload", '[{"n":1},{"n":2},{"n":3}]', "batch", "3"]],
    ])
    for (const n of [1, 2, 3]) expect(await fresh.redis.get(p.dedupe(`0/1-0/${n}`))).toBe(appended.id)
  })

  it("leaves out the commands appended before: a regrouped redelivery appends only what is new", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    const first = await appendRun(scripts, p, { type: "TASK_STATUS", actor: "session:s-2", parts: [report(1), report(2)] })
    // the same batch again, grouped with a command that is new: only that one, as an ordinary entry
    const second = await appendRun(scripts, p, { type: "TASK_STATUS", actor: "session:s-2", parts: [report(2), report(3), report(1)] })
    expect(second.appended).toBe(1)
    const again = await appendRun(scripts, p, { type: "TASK_STATUS", actor: "session:s-2", parts: [report(3), report(1)] })
    expect(again).toEqual({ id: second.id, appended: 0 })
    expect(await entries(p.inbox)).toEqual([
      [first.id, ["type", "TASK_STATUS", "actor", "session:s-2", "payload", '[{"n":1},{"n":2}]', "batch", "2"]],
      [second.id, ["type", "TASK_STATUS", "actor", "session:s-2", "payload", '{"n":3}', "cmdId", "0/1-0/3"]],
    ])
  })

  it("is read back by the inbox decoder as the commands in order", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    const actor = "session:00000000-0000-4000-8000-000000000001"
    const pause = (n: number) => ({ cmdId: `p-${n}`, payload: "{}" })
    await appendRun(scripts, p, { type: "PAUSE", actor, parts: [pause(1), pause(2)] })
    const [[, fields]] = (await entries(p.inbox)) as [[string, string[]]]
    const decoded = decodeStreamEntries(fields)
    expect(decoded.ok && decoded.value.map((command) => [command.kind, command.type])).toEqual([
      ["session", "PAUSE"],
      ["session", "PAUSE"],
    ])
  })
})
