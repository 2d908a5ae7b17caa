// What makes a partition wait and what makes an entry a dead letter (invariant 10).
import { describe, expect, it } from "vitest"
import { failureReason, isUnavailable, ServerUnavailable } from "../../../src/runtime/failure.ts"

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code })

describe("batch failures", () => {
  it("waits out servers that cannot be reached, are restarting or overloaded", () => {
    for (const error of [
      withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      withCode("write CONNECTION_CLOSED", "CONNECTION_CLOSED"),
      withCode("terminating connection due to administrator command", "57P01"),
      withCode("the database system is starting up", "57P03"),
      withCode("could not serialize access", "40001"),
      withCode("deadlock detected", "40P01"),
      withCode("too many connections", "53300"),
      new Error("Connection is closed."),
      new Error("LOADING Redis is loading the dataset in memory"),
      new Error("OOM command not allowed when used memory > 'maxmemory'."),
      Object.assign(new Error("Reached the max retries per request limit"), { name: "MaxRetriesPerRequestError" }),
      new ServerUnavailable("Postgres did not answer in time"),
      new Error("batch failed", { cause: withCode("read ECONNRESET", "ECONNRESET") }),
    ])
      expect(isUnavailable(error)).toBe(true)
  })

  it("treats values Postgres refuses, machine errors and stack overflows as the entry's fault", () => {
    for (const error of [
      withCode("unsupported Unicode escape sequence", "22P05"),
      withCode("smallint out of range", "22003"),
      withCode("invalid input syntax for type json", "22P02"),
      new RangeError("Maximum call stack size exceeded"),
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      "a thrown string",
    ])
      expect(isUnavailable(error)).toBe(false)
  })

  it("gives a one-line reason with the SQLSTATE, and names a stack overflow", () => {
    expect(failureReason(withCode("smallint out of range", "22003"))).toBe("smallint out of range (22003)")
    expect(failureReason(new RangeError("Maximum call stack size exceeded"))).toBe("stack overflow: Maximum call stack size exceeded")
    expect(failureReason("odd")).toBe("odd")
  })
})
