// `clawbot machines --json` as a user runs it, in-process through the CLI's entry (what bin/clawbot.js
// calls): the four machines with exactly their states; a clear error for a bad setting.
import { afterEach, describe, expect, it, vi } from "vitest"
import { runCli } from "../../../src/cli.ts"

/** Runs `clawbot ...args` in this process: its exit code and what it wrote. */
const clawbot = async (...args: string[]) => {
  let stdout = ""
  let stderr = ""
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await runCli(args)
    return { code, stdout, stderr }
  } finally {
    vi.restoreAllMocks()
  }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe("clawbot machines", () => {
  it("prints the four machines as JSON", async () => {
    const { code, stdout } = await clawbot("machines", "--json")
    expect(code).toBe(0)
    const machines = JSON.parse(stdout) as Record<string, { states: Record<string, unknown> }>
    expect(Object.keys(machines).sort()).toEqual(["agent", "context", "session", "task"])
    expect(Object.keys(machines["session"]!.states).sort()).toEqual([
      "cancelled",
      "completed",
      "degraded",
      "failed",
      "orphaned",
      "partially_completed",
      "paused",
      "pending",
      "queued",
      "running",
      "stopped",
      "timeout",
    ])
    expect(Object.keys(machines["task"]!.states).sort()).toEqual([
      "assigned",
      "awaiting_approval",
      "blocked",
      "cancelled",
      "completed",
      "failed",
      "in_progress",
      "ready",
      "retry_wait",
      "timed_out",
    ])
    expect(Object.keys(machines["agent"]!.states).sort()).toEqual(["busy", "deregistered", "draining", "offline", "online"])
    expect(Object.keys(machines["context"]!.states).sort()).toEqual(["active", "expired"])
  })

  it("refuses an invalid setting naming where it came from, and exits non-zero", async () => {
    expect(await clawbot("migrate", "--partitions", "0")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'clawbot: --partitions="0": Expected a value between 1 and 4096\n',
    })
  })

  it("prints the usage and exits 2 for an unknown command", async () => {
    const { code, stderr } = await clawbot("fly")
    expect(code).toBe(2)
    expect(stderr).toContain("usage: clawbot <command>")
  })
})
