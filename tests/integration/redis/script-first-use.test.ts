// A script's first use on a connection that is auto-pipelining (src/redis/scripts.ts, script-call.ts; the project's
// own connections no longer auto-pipeline, src/redis/client.ts, so this one is opened to): nothing
// is defined on the connection then (EVALSHA, EVAL once Redis's script cache lacks the script), so the commands queued in
// the same tick before and after it, in the same auto-pipeline, each get their own answer. ioredis's
// `defineCommand` on first use (the mechanism before) left the command out of the pipeline being filled,
// which then answered its callbacks out of step.
import { randomBytes } from "node:crypto"
import { Redis } from "ioredis"
import { afterAll, describe, expect, it } from "vitest"
import { scriptCall } from "../../../src/redis/script-call.ts"
import { scriptsOn } from "../../../src/redis/scripts.ts"
import { freshRedis, redisUrl } from "../../support/redis.ts"

const fresh = freshRedis()
const COMMANDS = 200
const NOTHING = { releases: [], fills: [], tasks: [], unlessTaken: false, wakeAgents: 0, holdMs: 15_000 }

describe("a script's first use on an auto-pipelining connection", () => {
  const opened: Redis[] = []
  afterAll(async () => {
    await Promise.all(opened.map((redis) => redis.quit()))
  })

  it("gets every command its own answer, the script's included", async () => {
    const redis = new Redis(await redisUrl(), { enableAutoPipelining: true, lazyConnect: true })
    opened.push(redis)
    await redis.connect()
    const key = (i: number) => `${fresh.keys.route}:first-use:${i}`
    await Promise.all(Array.from({ length: COMMANDS }, (_, i) => redis.set(key(i), `value-${i}`)))
    // One tick: GETs, then the scripts' first use on this connection, then more GETs.
    const before = Array.from({ length: COMMANDS / 2 }, (_, i) => redis.get(key(i)))
    const taken = scriptsOn(redis).routeBatch(fresh.keys.route, {
      ...NOTHING,
      fills: [{ agentId: "nobody", capabilities: ["nobody"], free: 5, units: 0, transfers: true }],
    })
    const enqueued = scriptsOn(redis).routeBatch(fresh.keys.route, {
      ...NOTHING,
      tasks: [{ capability: "first-use", group: null, taskId: "t-1", priority: 0, since: 1 }],
    })
    const after = Array.from({ length: COMMANDS / 2 }, (_, i) => redis.get(key(COMMANDS / 2 + i)))
    const answers = await Promise.allSettled([...before, taken, enqueued, ...after])
    expect(answers.map((answer) => (answer.status === "fulfilled" ? answer.value : `failed: ${answer.reason}`))).toEqual([
      ...Array.from({ length: COMMANDS / 2 }, (_, i) => `value-${i}`),
      { fills: [], wakes: [], settles: [], leaving: [], gives: [] },
      { fills: [], wakes: [], settles: [], leaving: [], gives: [] },
      ...Array.from({ length: COMMANDS / 2 }, (_, i) => `value-${COMMANDS / 2 + i}`),
    ])
    // The task queued by the first use is there to take.
    expect(
      await scriptsOn(redis).routeBatch(fresh.keys.route, {
        ...NOTHING,
        fills: [{ agentId: "taker", capabilities: ["first-use"], free: 5, units: 0, transfers: true }],
      }),
    ).toEqual({ fills: [{ agentId: "taker", taskId: "t-1" }], wakes: [], settles: [], leaving: [], gives: [] })
  }, 10_000)

  it("runs a script Redis has not cached (NOSCRIPT, then EVAL) and then from its cache, answering strings or bytes", async () => {
    // Sources no server has seen: their SHA1s are in no script cache.
    const uncached = () => scriptCall(`-- ${randomBytes(8).toString("hex")}\nreturn {KEYS[1], ARGV[1]}`)
    const key = `${fresh.keys.route}:uncached`
    const strings = uncached()
    expect(await strings(fresh.redis, 1, [key, "é"])).toEqual([key, "é"])
    expect(await strings(fresh.redis, 1, [key, "é"])).toEqual([key, "é"])
    const bytes = uncached()
    expect(await bytes(fresh.redis, 1, [key, "é"], true)).toEqual([Buffer.from(key), Buffer.from("é")])
    expect(await bytes(fresh.redis, 1, [key, "é"], true)).toEqual([Buffer.from(key), Buffer.from("é")])
  })
})
