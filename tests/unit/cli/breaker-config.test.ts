// CLAWBOT_BREAKER_COOLDOWN_MS: how long an agent's open breaker waits before it half-opens, 30 s by default; the
// edge gives it to each agent it registers (its limits), so a flag or the environment sets it for a deployment.
import { describe, expect, it } from "vitest"
import { edgeLimits } from "../../../src/commands/edge.ts"
import { ConfigError, loadConfig } from "../../../src/config.ts"

describe("the breaker cool-down setting", () => {
  it("is 30 s by default, and reaches the edge's limits", () => {
    const config = loadConfig({}, {})
    expect(config.breakerCooldownMs).toBe(30_000)
    expect(edgeLimits(config).breakerCooldownMs).toBe(30_000)
  })

  it("comes from the environment, and the flag overrides it", () => {
    const env = { CLAWBOT_BREAKER_COOLDOWN_MS: "2000" }
    expect(edgeLimits(loadConfig({}, env)).breakerCooldownMs).toBe(2_000)
    expect(loadConfig({ "breaker-cooldown-ms": "500" }, env).breakerCooldownMs).toBe(500)
  })

  it("refuses a value under 100 ms or not a whole number, naming the variable", () => {
    expect(() => loadConfig({}, { CLAWBOT_BREAKER_COOLDOWN_MS: "50" })).toThrow(ConfigError)
    expect(() => loadConfig({}, { CLAWBOT_BREAKER_COOLDOWN_MS: "1.5" })).toThrow(/^CLAWBOT_BREAKER_COOLDOWN_MS="1.5": /)
  })
})
