// A batch's timers of one partition in one call (timers-apply.lua): arms and clears applied in the order
// given, so an arm then a clear of one timer ends cleared and a clear then an arm ends armed; applied again
// (a redelivered batch) they end the same.
import { describe, expect, it } from "vitest"
import { createScripts, type TimerOp } from "../../../src/redis/scripts.ts"
import { freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const arm = (actor: string, fireAt: number, name = "deadline"): TimerOp => ({
  op: "arm",
  actor,
  name,
  fireAt,
  type: "DEADLINE",
  payload: JSON.stringify({ attempt: fireAt }),
})
const clear = (actor: string, name = "deadline"): TimerOp => ({ op: "clear", actor, name })

/** The partition's timers: member → [fire time, stored entry]. */
const timersOf = async (p: { timers: string; timerData: string }) => {
  const scored = await fresh.redis.zrange(p.timers, 0, -1, "WITHSCORES")
  const data = await fresh.redis.hgetall(p.timerData)
  const out: Record<string, [number, unknown]> = {}
  for (let i = 0; i < scored.length; i += 2) out[scored[i]!] = [Number(scored[i + 1]), JSON.parse(data[scored[i]!] ?? "null")]
  expect(Object.keys(data).sort()).toEqual(Object.keys(out).sort())
  return out
}

describe("timers-apply", () => {
  it("applies arms and clears in order: arm then clear ends cleared, clear then arm ends armed, the last arm wins", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    // Armed by an earlier batch.
    await scripts.applyTimers(p, [arm("task:b", 50), arm("task:d", 60)])
    const ops = [
      arm("task:a", 100),
      clear("task:a"),
      clear("task:b"),
      arm("task:b", 200),
      arm("task:c", 300),
      arm("task:c", 301),
      clear("task:d"),
      arm("task:e", 400, "odd:name"),
    ]
    expect(await scripts.applyTimers(p, ops)).toBe(ops.length)
    const expected = {
      "task:b:deadline": [200, { type: "DEADLINE", payload: '{"attempt":200}' }],
      "task:c:deadline": [301, { type: "DEADLINE", payload: '{"attempt":301}' }],
      // A name with ":" keeps its actor with it (timers-fire.lua reads it from there).
      "task:e:odd:name": [400, { type: "DEADLINE", payload: '{"attempt":400}', actor: "task:e" }],
    }
    expect(await timersOf(p)).toEqual(expected)

    // A redelivered batch applies them again: the same end.
    expect(await scripts.applyTimers(p, ops)).toBe(ops.length)
    expect(await timersOf(p)).toEqual(expected)
  })

  it("ends with each timer's last operation, and fires what it armed", async () => {
    const one = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    const ops = [arm("task:x", 10), arm("task:y", 20), clear("task:x"), arm("task:x", 30), arm("task:z", 5), clear("task:z")]
    await scripts.applyTimers(one, ops)
    expect(await timersOf(one)).toEqual({
      "task:x:deadline": [30, { type: "DEADLINE", payload: '{"attempt":30}' }],
      "task:y:deadline": [20, { type: "DEADLINE", payload: '{"attempt":20}' }],
    })
    expect((await scripts.fireTimers(one, 1_000, 10)).moved).toBe(2)
    expect((await fresh.redis.xrange(one.inbox, "-", "+")).map(([, flat]) => flat)).toEqual([
      ["type", "DEADLINE", "actor", "task:y", "payload", '{"attempt":20}', "timer", "task:y:deadline"],
      ["type", "DEADLINE", "actor", "task:x", "payload", '{"attempt":30}', "timer", "task:x:deadline"],
    ])
  })

  it("sends nothing for no operations", async () => {
    expect(await createScripts(fresh.redis).applyTimers(fresh.keys.partition(3), [])).toBe(0)
  })
})
