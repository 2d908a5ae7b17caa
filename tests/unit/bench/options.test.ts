// Bench options: the smoke size, scenario selection, and the error a wrong value gets.
import { describe, expect, it } from "vitest"
import { atFullSize, describeOptions, parseOptions, SCENARIOS } from "../../../bench/options.ts"

describe("parseOptions", () => {
  it("runs every scenario at the full size by default, and at a few hundred tasks with --smoke", () => {
    const full = parseOptions([])
    const smoke = parseOptions(["--smoke"])
    expect(full.only).toEqual(SCENARIOS)
    expect(full.bigSession).toBe(5000)
    expect(smoke.smoke).toBe(true)
    expect(Math.max(smoke.tasks, smoke.fleetTasks, smoke.sessionTasks, smoke.rate * smoke.seconds)).toBeLessThanOrEqual(500)
    expect(smoke.bigSession).toBeLessThanOrEqual(smoke.sessionTasks)
  })

  it("takes --name value and --name=value, and caps the big session at the session tasks", () => {
    const options = parseOptions(["--only", "lifecycle,dispatch", "--session-tasks=300", "--seconds", "0.5"])
    expect(options.only).toEqual(["lifecycle", "dispatch"])
    expect(options.sessionTasks).toBe(300)
    expect(options.bigSession).toBe(300)
    expect(options.seconds).toBe(0.5)
  })

  it("runs dispatch at 100/s as well as its offered rate unless --low-rate says otherwise", () => {
    expect(parseOptions([]).lowRate).toBe(100)
    expect(parseOptions(["--low-rate", "250"]).lowRate).toBe(250)
    expect(describeOptions(parseOptions([]))).toContain("dispatch 1000/s and 100/s for 10 s after 3 s untimed")
    expect(() => parseOptions(["--low-rate", "0"])).toThrow('--low-rate: expected a positive integer, got "0"')
  })

  it("warms each dispatch side up for 3 s at its rate (0.1 s at the smoke size), any non-negative number of seconds", () => {
    expect(parseOptions([]).warmSeconds).toBe(3)
    expect(parseOptions(["--smoke"]).warmSeconds).toBe(0.1)
    expect(parseOptions(["--warm-seconds", "0"]).warmSeconds).toBe(0)
    expect(parseOptions(["--warm-seconds=1.5"]).warmSeconds).toBe(1.5)
    expect(() => parseOptions(["--warm-seconds", "-1"])).toThrow('--warm-seconds: expected a non-negative number, got "-1"')
    expect(atFullSize(parseOptions(["--warm-seconds", "0"]))).toBe(false)
  })

  it("names the option and the value it refuses", () => {
    expect(() => parseOptions(["--only", "ingest"])).toThrow('--only: expected lifecycle | fleet | sessions | dispatch, got "ingest"')
    expect(() => parseOptions(["--tasks", "1.5"])).toThrow('--tasks: expected a positive integer, got "1.5"')
    expect(() => parseOptions(["--warmup", "-1"])).toThrow('--warmup: expected a non-negative integer, got "-1"')
    expect(() => parseOptions(["--rounds", "0"])).toThrow('--rounds: expected a positive integer, got "0"')
  })

  it("knows a run of the full size issue 7's targets are stated for, however many rounds and threads", () => {
    expect(atFullSize(parseOptions([]))).toBe(true)
    expect(atFullSize(parseOptions(["--rounds", "3", "--bot-threads", "2", "--timeout-s", "600", "--low-rate", "200"]))).toBe(true)
    expect(atFullSize(parseOptions(["--smoke"]))).toBe(false)
    expect(atFullSize(parseOptions(["--tasks", "20000"]))).toBe(false)
  })

  it("runs each scenario once unless --rounds says more", () => {
    expect(parseOptions([]).rounds).toBe(1)
    expect(parseOptions(["--smoke"]).rounds).toBe(1)
    const options = parseOptions(["--rounds", "3"])
    expect(options.rounds).toBe(3)
    expect(describeOptions(options)).toMatch(/; each scenario 3 rounds$/)
    expect(describeOptions(parseOptions([]))).not.toMatch(/rounds/)
  })
})
