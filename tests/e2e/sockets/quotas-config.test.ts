// The socket quotas come from the environment (CLAWBOT_WS_*, CLAWBOT_HEARTBEAT_RECORD_MS), over defaults drawn from the edge's
// limits; a bad value is refused at start naming its variable.
import { describe, expect, it } from "vitest"
import { socketQuotas, uwsFrameLimit } from "../../../src/edge/sockets/quotas.ts"
import { TEST_LIMITS } from "./harness.ts"

describe("socket quotas", () => {
  it("default to the edge's payload limit and fixed bounds", () => {
    expect(socketQuotas(TEST_LIMITS, {})).toEqual({
      maxFrameBytes: TEST_LIMITS.maxPayloadBytes,
      bytesPerSecond: 1024 * 1024,
      maxInFlight: 256,
      maxTopics: 1000,
      heartbeatRecordMs: 60_000,
    })
  })

  it("are read from the environment", () => {
    const env = {
      CLAWBOT_WS_MAX_FRAME_BYTES: "2048",
      CLAWBOT_WS_BYTES_PER_S: "4096",
      CLAWBOT_WS_MAX_IN_FLIGHT: "8",
      CLAWBOT_WS_MAX_TOPICS: "",
      CLAWBOT_HEARTBEAT_RECORD_MS: "5000",
    }
    expect(socketQuotas(TEST_LIMITS, env)).toEqual({
      maxFrameBytes: 2048,
      bytesPerSecond: 4096,
      maxInFlight: 8,
      maxTopics: 1000,
      heartbeatRecordMs: 5000,
    })
  })

  it("refuse a value that is not a whole number, naming the variable", () => {
    expect(() => socketQuotas(TEST_LIMITS, { CLAWBOT_WS_BYTES_PER_S: "lots" })).toThrow(
      'CLAWBOT_WS_BYTES_PER_S="lots": expected a whole number from 1 to 1073741824',
    )
    expect(() => socketQuotas(TEST_LIMITS, { CLAWBOT_WS_MAX_IN_FLIGHT: "0" })).toThrow(/^CLAWBOT_WS_MAX_IN_FLIGHT="0"/)
    expect(() => socketQuotas(TEST_LIMITS, { CLAWBOT_HEARTBEAT_RECORD_MS: "1.5" })).toThrow(/^CLAWBOT_HEARTBEAT_RECORD_MS="1.5"/)
  })

  it("let uWS read frames well over the limit, so the edge answers them with 1009", () => {
    expect(uwsFrameLimit(socketQuotas(TEST_LIMITS, {}))).toBe(16 * 1024 * 1024)
    expect(uwsFrameLimit(socketQuotas(TEST_LIMITS, { CLAWBOT_WS_MAX_FRAME_BYTES: String(8 * 1024 * 1024) }))).toBe(32 * 1024 * 1024)
  })
})
