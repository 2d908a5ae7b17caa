// How a failed command is said: a start-up failure is two plain lines (what failed, naming the server and its
// URL without password; the fix), an unexpected error is its message and a hint, and a stack only on request.
import { describe, expect, it } from "vitest"
import { debugRequested, failureLines } from "../../../src/commands/failure.ts"
import { ConfigError } from "../../../src/config.ts"
import { StartupFailure, withoutPassword } from "../../../src/embedded/errors.ts"

describe("failure lines", () => {
  it("says a start-up failure in two plain lines", () => {
    const failure = new StartupFailure("cannot reach Redis at redis://127.0.0.1:1 (connection refused)", "start that Redis", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:1"),
    })
    expect(failureLines(failure, false)).toEqual([
      "clawbot: cannot reach Redis at redis://127.0.0.1:1 (connection refused)",
      "clawbot: to fix: start that Redis",
    ])
  })

  it("says a bad setting in one line", () => {
    expect(failureLines(new ConfigError('--port="x": Expected a number'), false)).toEqual(['clawbot: --port="x": Expected a number'])
  })

  it("gives an unexpected error's message without its stack, and says how to see it", () => {
    const lines = failureLines(new Error("something broke"), false)
    expect(lines).toEqual(["clawbot: something broke", "clawbot: (LOG_LEVEL=debug shows where it came from)"])
  })

  it("adds the stacks, the cause's too, with debug", () => {
    const cause = new Error("connect ECONNREFUSED 127.0.0.1:1")
    const lines = failureLines(new StartupFailure("cannot reach Redis", "start it", { cause }), true)
    expect(lines.slice(0, 2)).toEqual(["clawbot: cannot reach Redis", "clawbot: to fix: start it"])
    expect(lines.slice(2).join("\n")).toContain("at ")
    expect(lines.at(-1)).toContain("connect ECONNREFUSED 127.0.0.1:1")
  })

  it("is asked for debug by LOG_LEVEL or --log-level", () => {
    expect(debugRequested([], { LOG_LEVEL: "debug" })).toBe(true)
    expect(debugRequested(["start", "--log-level", "debug"], {})).toBe(true)
    expect(debugRequested(["start", "--log-level=debug"], {})).toBe(true)
    expect(debugRequested(["start", "--log-level", "info"], { LOG_LEVEL: "warn" })).toBe(false)
  })

  it("never shows a URL's password", () => {
    expect(withoutPassword("postgres://postgres:s3cret@127.0.0.1:5432/clawbot")).toBe("postgres://postgres:***@127.0.0.1:5432/clawbot")
    expect(withoutPassword("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379")
    expect(withoutPassword("not a url")).toBe("(an unparsable URL)")
  })
})
