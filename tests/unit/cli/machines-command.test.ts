// `clawbot machines --json` as a user runs it: the four machines, the session with exactly
// its 12 states; and a clear error for a bad setting.
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const run = promisify(execFile)
const clawbot = (...args: string[]) => run(process.execPath, ["bin/clawbot.js", ...args], { env: { ...process.env, CLAWBOT_PARTITIONS: "" } })

describe("clawbot machines", () => {
  it("prints the four machines as JSON", async () => {
    const { stdout } = await clawbot("machines", "--json")
    const machines = JSON.parse(stdout) as Record<string, { states: Record<string, unknown> }>
    expect(Object.keys(machines).sort()).toEqual(["agent", "context", "session", "task"])
    expect(Object.keys(machines["session"]!.states).sort()).toEqual([
      "cancelled", "completed", "degraded", "failed", "orphaned", "partially_completed",
      "paused", "pending", "queued", "running", "stopped", "timeout",
    ])
    expect(Object.keys(machines["task"]!.states)).toHaveLength(9)
    expect(Object.keys(machines["agent"]!.states)).toHaveLength(5)
  }, 30_000)

  it("refuses an invalid setting naming where it came from, and exits non-zero", async () => {
    await expect(clawbot("migrate", "--partitions", "0")).rejects.toMatchObject({
      code: 1,
      stderr: 'clawbot: --partitions="0": Expected a value between 1 and 4096\n',
    })
  }, 30_000)

  it("prints the usage and exits 2 for an unknown command", async () => {
    await expect(clawbot("fly")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("usage: clawbot <command>") })
  }, 30_000)
})
