// The edge's security settings in the configuration: defaults, environment, flags, and a bad value
// named with where it came from.
import { describe, expect, it } from "vitest"
import { ConfigError, loadConfig } from "../../../src/config.ts"

describe("security settings", () => {
  it("default to private reads, 200 requests a second, 1024 connections per address, the front door on", () => {
    expect(loadConfig({}, {})).toMatchObject({ publicReads: false, rateLimit: 200, maxConnectionsPerAddress: 1024, frontDoor: true })
  })

  it("come from the environment, and flags override it", () => {
    const env = {
      CLAWBOT_PUBLIC_READS: "true",
      CLAWBOT_RATE_LIMIT: "50",
      CLAWBOT_MAX_CONNECTIONS_PER_ADDRESS: "8",
      CLAWBOT_FRONT_DOOR: "false",
    }
    expect(loadConfig({}, env)).toMatchObject({ publicReads: true, rateLimit: 50, maxConnectionsPerAddress: 8, frontDoor: false })
    expect(loadConfig({ "rate-limit": "7", "public-reads": "false" }, env)).toMatchObject({ rateLimit: 7, publicReads: false })
  })

  it("refuse a value they cannot mean, naming the variable", () => {
    expect(() => loadConfig({}, { CLAWBOT_PUBLIC_READS: "yes" })).toThrow(ConfigError)
    expect(() => loadConfig({}, { CLAWBOT_PUBLIC_READS: "yes" })).toThrow(/^CLAWBOT_PUBLIC_READS="yes": /)
    expect(() => loadConfig({}, { CLAWBOT_RATE_LIMIT: "0" })).toThrow(/^CLAWBOT_RATE_LIMIT="0": /)
  })
})
