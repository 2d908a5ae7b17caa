// The append gathers the commands of one turn of the event loop into one call of the scripts' appendAll (one
// append.lua call on a single Redis), in the order given, each command answered on its own: its entry, its
// refusal (an invalid command: never sent), its expiry or its unfixable deadline (only it fails).
import { describe, expect, it } from "vitest"
import { keysFor } from "../../../src/redis/keys.ts"
import { partitionOf } from "../../../src/redis/partition.ts"
import { AppendExpired, type PartitionCommand, type RedisScripts } from "../../../src/redis/scripts.ts"
import { type AppendInput, createAppend } from "../../../src/runtime/append.ts"
import { validateCommand } from "../../../src/runtime/inbox-codec.ts"

const PARTITIONS = 16
const keys = keysFor("gathered")

/** appendAll's calls, each answered by `answer` (an entry id per command unless it says otherwise). */
const recording = (answer: (command: PartitionCommand, n: number) => { id: string; duplicate: boolean } | AppendExpired) => {
  const calls: PartitionCommand[][] = []
  const scripts = {
    appendAll: async (commands: ReadonlyArray<PartitionCommand>) => {
      calls.push([...commands])
      return commands.map(answer)
    },
  } as unknown as RedisScripts
  return { calls, append: createAppend({ scripts, keys, partitions: PARTITIONS, validate: validateCommand }) }
}

const task = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`
const progress = (n: number, extra: Partial<AppendInput> = {}): AppendInput => ({
  kind: "task",
  id: task(n),
  type: "PROGRESS",
  payload: { agentId: task(999), progress: (n % 100) / 100 },
  ...extra,
})

describe("the append", () => {
  it("sends the commands of one turn in one call, in order, each to its partition, and answers each with its entry", async () => {
    const { calls, append } = recording((_, n) => ({ id: `1-${n}`, duplicate: n === 2 }))
    const answers = await Promise.all([0, 1, 2, 3].map((n) => append(progress(n, n === 1 ? { cmdId: "c-1", replyTo: "edge-1:7" } : {}))))
    expect(calls).toHaveLength(1)
    expect(calls[0]!.map(({ command }) => command.actor)).toEqual([0, 1, 2, 3].map((n) => `task:${task(n)}`))
    expect(calls[0]!.map(({ p }) => p.inbox)).toEqual(
      [0, 1, 2, 3].map((n) => keys.partition(partitionOf("task", task(n), PARTITIONS)).inbox),
    )
    expect(calls[0]![1]!.command).toMatchObject({ type: "PROGRESS", cmdId: "c-1", fields: { replyTo: "edge-1:7" } })
    expect(JSON.parse(calls[0]![1]!.command.payload)).toEqual({ agent_id: task(999), progress: 0.01 })
    expect(answers).toEqual(
      [0, 1, 2, 3].map((n) => ({ partition: partitionOf("task", task(n), PARTITIONS), streamId: `1-${n}`, duplicate: n === 2 })),
    )
  })

  it("refuses an invalid command at once without sending it, and sends the others", async () => {
    const { calls, append } = recording((_, n) => ({ id: `2-${n}`, duplicate: false }))
    const bad = append({ kind: "task", id: task(1), type: "PROGRESS", payload: { agentId: task(999), progress: "half" } })
    const good = append(progress(2))
    await expect(bad).rejects.toThrow('payload.progress: expected a number, got "half"')
    await expect(good).resolves.toMatchObject({ streamId: "2-0" })
    expect(calls.map((call) => call.map(({ command }) => command.actor))).toEqual([[`task:${task(2)}`]])
  })

  it("asks each deadline just before the call; one that cannot be fixed, or that expired, fails its own command only", async () => {
    const asked: string[] = []
    const { calls, append } = recording(({ command }, n) =>
      command.deadline === 1 ? new AppendExpired("passed") : { id: `3-${n}`, duplicate: false },
    )
    const deadline = (value: number | Error, name: string) => () => {
      asked.push(name)
      if (value instanceof Error) throw value
      return value
    }
    const unfixable = append(progress(1, { deadline: deadline(new Error("no estimate of Redis's clock"), "unfixable") }))
    const expired = append(progress(2, { deadline: deadline(1, "expired") }))
    const ahead = append(progress(3, { deadline: deadline(5_000, "ahead") }))
    expect(asked).toEqual([])
    await expect(unfixable).rejects.toThrow("no estimate of Redis's clock")
    await expect(expired).rejects.toBeInstanceOf(AppendExpired)
    await expect(ahead).resolves.toMatchObject({ streamId: "3-1" })
    expect(asked).toEqual(["unfixable", "expired", "ahead"])
    expect(calls[0]!.map(({ command }) => command.deadline)).toEqual([1, 5_000])
  })

  it("fails every command of a call Redis did not answer", async () => {
    const scripts = { appendAll: async () => Promise.reject(new Error("Connection is closed.")) } as unknown as RedisScripts
    const append = createAppend({ scripts, keys, partitions: PARTITIONS, validate: validateCommand })
    const answers = await Promise.allSettled([append(progress(1)), append(progress(2))])
    expect(answers.map((answer) => answer.status === "rejected" && String(answer.reason))).toEqual([
      "Error: Connection is closed.",
      "Error: Connection is closed.",
    ])
  })

  it("sends at most 1,000 commands a call", async () => {
    const { calls, append } = recording((_, n) => ({ id: `4-${n}`, duplicate: false }))
    await Promise.all(Array.from({ length: 2_500 }, (_, n) => append(progress(n))))
    expect(calls.map((call) => call.length)).toEqual([1_000, 1_000, 500])
    expect(calls.flat().map(({ command }) => command.actor)).toEqual(Array.from({ length: 2_500 }, (_, n) => `task:${task(n)}`))
  })
})
