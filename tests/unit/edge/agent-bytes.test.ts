// The local account in front of the shared byte budget: frames within the edge's local share (1/16
// of the budget) go through without asking Redis; the frame that would pass it asks, carrying the
// bytes not reported yet; what stays unreported is reported once a second. The Redis side is
// tests/integration/redis/byte-budget.test.ts and tests/e2e/sockets/conformance/byte-budget.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { sharedAgentBytes } from "../../../src/edge/sockets/agent-bytes.ts"
import { keysFor } from "../../../src/redis/keys.ts"
import type { RedisScripts } from "../../../src/redis/scripts.ts"
import { createLogger } from "../../../src/log.ts"

const quotas = { maxFrameBytes: 1_000, bytesPerSecond: 1_600, maxInFlight: 8, maxTopics: 8, heartbeatRecordMs: 60_000 }

/** The calls the account made to the budget's script, answered by `verdict`. */
const recorder = (verdict: boolean) => {
  const calls: Array<{ key: string; owed: number; asked: number }> = []
  const scripts = {
    takeBytes: async (key: string, _budget: unknown, owed: number, asked: number) => {
      calls.push({ key, owed, asked })
      return verdict
    },
  } as unknown as RedisScripts
  return { calls, scripts }
}

const accountOn = (scripts: RedisScripts) =>
  sharedAgentBytes({ scripts, keys: keysFor("t"), quotas, clock: () => 0, log: createLogger("error") })

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe("an agent's bytes on one edge", () => {
  it("go through without asking while within the local share, then ask with the unreported bytes", async () => {
    const { calls, scripts } = recorder(false)
    const account = accountOn(scripts)
    // The share is 1,600 / 16 = 100 bytes.
    expect(account.take("a", 60)).toBe(true)
    expect(account.take("a", 40)).toBe(true)
    expect(calls).toEqual([])
    await expect(account.take("a", 1)).resolves.toBe(false)
    expect(calls).toEqual([{ key: "t:rl:ws-bytes:a", owed: 100, asked: 1 }])
    // Reported with that call: the share is free again.
    expect(account.take("a", 100)).toBe(true)
  })

  it("keep one account per agent, and report what stays unreported once a second", async () => {
    const { calls, scripts } = recorder(true)
    const account = accountOn(scripts)
    expect(account.take("a", 30)).toBe(true)
    expect(account.take("b", 70)).toBe(true)
    expect(calls).toEqual([])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(calls).toEqual([
      { key: "t:rl:ws-bytes:a", owed: 30, asked: 0 },
      { key: "t:rl:ws-bytes:b", owed: 70, asked: 0 },
    ])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(calls).toHaveLength(2)
  })
})
