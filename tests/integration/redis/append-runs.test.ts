// A batch's commands to the actors of one partition, or of several (`appendRunsOver`, on a single Redis), in one call
// (append-runs.lua): each run (commands of one type in a row to one actor) one entry (batched-entries.test.ts), in the
// order given, each command deduplicated by its own id, so a redelivered batch, grouped the same or not, appends
// nothing twice. The ids' shared prefix is sent once, and a type or payload the one before has: each command still
// has its whole id, type, payload.
import { describe, expect, it } from "vitest"
import { createScripts, sharedPrefix } from "../../../src/redis/scripts.ts"
import { appendOne, freshRedis } from "../../support/redis.ts"

const fresh = freshRedis()

const entries = async (inbox: string) => (await fresh.redis.xrange(inbox, "-", "+")).map(([id, flat]) => ({ id, flat }))

const part = (cmdId: string, n: number) => ({ cmdId, payload: JSON.stringify({ n }) })

describe("append runs", () => {
  it("appends each run as one entry, in the order given, with the fields of a batched entry and of append", async () => {
    const p = fresh.keys.partition(0)
    const scripts = createScripts(fresh.redis)
    const answers = await scripts.appendRuns(p, [
      { type: "TASK_STATUS", actor: "session:s", parts: [part("e/1", 1), part("e/2", 2)] },
      { type: "RELEASE", actor: "agent:a", parts: [part("e/3", 3)] },
      { type: "TASK_STATUS", actor: "session:s", parts: [part("e/4", 4)] },
      // no command id: an ordinary entry, not deduplicated
      { type: "PING", actor: "agent:b", parts: [part("", 5)] },
    ])
    const written = await entries(p.inbox)
    expect(written).toEqual([
      { id: answers[0]!.id, flat: ["type", "TASK_STATUS", "actor", "session:s", "payload", '[{"n":1},{"n":2}]', "batch", "2"] },
      { id: answers[1]!.id, flat: ["type", "RELEASE", "actor", "agent:a", "payload", '{"n":3}', "cmdId", "e/3"] },
      { id: answers[2]!.id, flat: ["type", "TASK_STATUS", "actor", "session:s", "payload", '{"n":4}', "cmdId", "e/4"] },
      { id: answers[3]!.id, flat: ["type", "PING", "actor", "agent:b", "payload", '{"n":5}'] },
    ])
    expect(answers.map((answer) => answer.appended)).toEqual([2, 1, 1, 1])
    for (const [cmdId, entry] of [
      ["e/1", 0],
      ["e/2", 0],
      ["e/3", 1],
      ["e/4", 2],
    ] as const)
      expect(await fresh.redis.get(p.dedupe(cmdId))).toBe(written[entry]!.id)
    expect(await fresh.redis.exists(p.dedupe(""))).toBe(0)
  })

  it("appends nothing twice on a redelivery, grouped the same or not, and only what is new", async () => {
    const p = fresh.keys.partition(1)
    const scripts = createScripts(fresh.redis)
    const runs = [
      { type: "TASK_STATUS", actor: "session:s", parts: [part("r/1", 1), part("r/2", 2)] },
      { type: "RELEASE", actor: "agent:a", parts: [part("r/3", 3)] },
    ]
    const first = await scripts.appendRuns(p, runs)
    expect(await scripts.appendRuns(p, runs)).toEqual([
      { id: first[0]!.id, appended: 0 },
      { id: first[1]!.id, appended: 0 },
    ])
    // Regrouped, with one new command: only that one is written (an ordinary entry).
    const again = await scripts.appendRuns(p, [
      { type: "TASK_STATUS", actor: "session:s", parts: [part("r/2", 2), part("r/5", 5), part("r/1", 1)] },
    ])
    expect(again[0]!.appended).toBe(1)
    expect((await entries(p.inbox)).map(({ flat }) => flat)).toEqual([
      ["type", "TASK_STATUS", "actor", "session:s", "payload", '[{"n":1},{"n":2}]', "batch", "2"],
      ["type", "RELEASE", "actor", "agent:a", "payload", '{"n":3}', "cmdId", "r/3"],
      ["type", "TASK_STATUS", "actor", "session:s", "payload", '{"n":5}', "cmdId", "r/5"],
    ])
  })

  it("dedupes against what append and an earlier call appended before, and append against it", async () => {
    const p = fresh.keys.partition(2)
    const scripts = createScripts(fresh.redis)
    const alone = await appendOne(scripts, p, { type: "RELEASE", actor: "agent:a", payload: '{"n":1}', cmdId: "x/1" })
    const [each] = await scripts.appendRuns(p, [{ type: "RELEASE", actor: "agent:a", parts: [part("x/2", 2), part("x/3", 3)] }])
    const [answer] = await scripts.appendRuns(p, [
      { type: "RELEASE", actor: "agent:a", parts: [part("x/1", 1), part("x/3", 3), part("x/4", 4)] },
    ])
    expect(answer!.appended).toBe(1)
    expect(await appendOne(scripts, p, { type: "RELEASE", actor: "agent:a", payload: '{"n":4}', cmdId: "x/4" })).toEqual({
      id: answer!.id,
      duplicate: true,
    })
    expect((await entries(p.inbox)).map(({ id }) => id)).toEqual([alone.id, each!.id, answer!.id])
  })

  it("sends the ids' shared prefix once, each command keeping its whole id", async () => {
    const p = fresh.keys.partition(3)
    const scripts = createScripts(fresh.redis)
    const runs = [
      { type: "SESSION_RUN", actor: "task:a", parts: [part("3/1796-4/1", 1)] },
      { type: "SESSION_RUN", actor: "task:b", parts: [part("3/1796-4/12", 2)] },
      { type: "TASK_STATUS", actor: "session:s", parts: [part("3/1796-40/0", 3), part("3/1796-4/1x", 4)] },
      { type: "PING", actor: "agent:b", parts: [part("", 5)] },
    ]
    expect(sharedPrefix(runs)).toBe("3/1796-4")
    const answers = await scripts.appendRuns(p, runs)
    expect(answers.map((answer) => answer.appended)).toEqual([1, 1, 2, 1])
    const written = await entries(p.inbox)
    expect(written[0]!.flat).toEqual(["type", "SESSION_RUN", "actor", "task:a", "payload", '{"n":1}', "cmdId", "3/1796-4/1"])
    expect(written[1]!.flat).toEqual(["type", "SESSION_RUN", "actor", "task:b", "payload", '{"n":2}', "cmdId", "3/1796-4/12"])
    for (const [cmdId, entry] of [
      ["3/1796-4/1", 0],
      ["3/1796-4/12", 1],
      ["3/1796-40/0", 2],
      ["3/1796-4/1x", 2],
    ] as const)
      expect(await fresh.redis.get(p.dedupe(cmdId))).toBe(written[entry]!.id)
    // the same ids sent alone (another prefix) are the same commands
    expect(await appendOne(scripts, p, { type: "SESSION_RUN", actor: "task:b", payload: '{"n":2}', cmdId: "3/1796-4/12" })).toEqual({
      id: written[1]!.id,
      duplicate: true,
    })
    const [alone] = await scripts.appendRuns(p, [{ type: "TASK_STATUS", actor: "session:s", parts: [part("3/1796-40/0", 3)] }])
    expect(alone).toEqual({ id: written[2]!.id, appended: 0 })
  })

  it("writes each run's type and each command's payload whole when the one before has the same (sent once)", async () => {
    const p = fresh.keys.partition(4)
    const scripts = createScripts(fresh.redis)
    const sweep = (task: string, n: number) => ({
      type: "SESSION_RUN",
      actor: `task:${task}`,
      parts: [{ cmdId: `s/${n}`, payload: '{"epoch":1}' }],
    })
    const runs = [
      sweep("a", 0),
      sweep("b", 1),
      { type: "TASK_STATUS", actor: "session:s", parts: [part("s/2", 1), part("s/3", 1), part("s/4", 2)] },
      sweep("c", 5),
      // a run whose commands were all appended before still passes its type and payload on
      sweep("a", 0),
      sweep("d", 6),
    ]
    const answers = await scripts.appendRuns(p, runs)
    expect(answers.map((answer) => answer.appended)).toEqual([1, 1, 3, 1, 0, 1])
    expect((await entries(p.inbox)).map(({ flat }) => flat)).toEqual([
      ["type", "SESSION_RUN", "actor", "task:a", "payload", '{"epoch":1}', "cmdId", "s/0"],
      ["type", "SESSION_RUN", "actor", "task:b", "payload", '{"epoch":1}', "cmdId", "s/1"],
      ["type", "TASK_STATUS", "actor", "session:s", "payload", '[{"n":1},{"n":1},{"n":2}]', "batch", "3"],
      ["type", "SESSION_RUN", "actor", "task:c", "payload", '{"epoch":1}', "cmdId", "s/5"],
      ["type", "SESSION_RUN", "actor", "task:d", "payload", '{"epoch":1}', "cmdId", "s/6"],
    ])
  })

  it("appends to several partitions in one call, each partition's runs in order, each group answered apart", async () => {
    const [pA, pB] = [fresh.keys.partition(5), fresh.keys.partition(6)]
    const scripts = createScripts(fresh.redis)
    const groups = [
      { p: pA, runs: [{ type: "RELEASE", actor: "agent:a", parts: [part("m/1", 1)] }] },
      { p: pB, runs: [] },
      {
        p: pB,
        runs: [
          { type: "RELEASE", actor: "agent:b", parts: [part("m/2", 2)] },
          { type: "ASSIGN", actor: "task:c", parts: [part("m/3", 3)] },
        ],
      },
    ]
    const answers = await scripts.appendRunsOver(groups)
    expect(answers.map((group) => group.map((answer) => answer.appended))).toEqual([[1], [], [1, 1]])
    expect(await entries(pA.inbox)).toEqual([
      { id: answers[0]![0]!.id, flat: ["type", "RELEASE", "actor", "agent:a", "payload", '{"n":1}', "cmdId", "m/1"] },
    ])
    expect(await entries(pB.inbox)).toEqual([
      { id: answers[2]![0]!.id, flat: ["type", "RELEASE", "actor", "agent:b", "payload", '{"n":2}', "cmdId", "m/2"] },
      { id: answers[2]![1]!.id, flat: ["type", "ASSIGN", "actor", "task:c", "payload", '{"n":3}', "cmdId", "m/3"] },
    ])
    // Each command deduplicated in its own partition: the same call again appends nothing.
    expect(await fresh.redis.get(pB.dedupe("m/3"))).toBe(answers[2]![1]!.id)
    const again = await scripts.appendRunsOver(groups)
    expect(again.map((group) => group.map((answer) => answer.appended))).toEqual([[0], [], [0, 0]])
    expect(await fresh.redis.xlen(pA.inbox)).toBe(1)
    expect(await fresh.redis.xlen(pB.inbox)).toBe(2)
  })

  it("takes as the prefix what every id but those not deduplicated begins with, never a whole id", () => {
    const run = (...cmdIds: string[]) => ({ type: "T", actor: "a:b", parts: cmdIds.map((cmdId) => part(cmdId, 0)) })
    expect(sharedPrefix([run("abc")])).toBe("ab")
    expect(sharedPrefix([run("ab", "abc")])).toBe("a")
    expect(sharedPrefix([run("x/1"), run("y/1")])).toBe("")
    expect(sharedPrefix([run(""), run("")])).toBe("")
    expect(sharedPrefix([run(""), run("k/1", "k/2")])).toBe("k/")
  })
})
