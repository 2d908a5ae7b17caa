// A control socket's end is logged at debug level with its close code and reason, so an operator can see why a bot
// reconnected (LOG_LEVEL=debug).
import { describe, expect, it } from "vitest"
import WebSocket from "ws"
import { createLogger } from "../../../src/log.ts"
import { testEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { registerAgent } from "../client/support.ts"

describe("a control socket's end", () => {
  it("is logged at debug level with the agent, the close code and its reason", async () => {
    const logged: Array<Record<string, unknown>> = []
    const log = createLogger("debug", { component: "edge" }, (line) => void logged.push(JSON.parse(line) as Record<string, unknown>))
    const t = await testEdge({ edge: { log } })
    try {
      const agent = await registerAgent(t.api, ["close-logged"])
      const ws = new WebSocket(`${t.url.replace(/^http/, "ws")}/ws/control?token=${agent.token}`)
      await new Promise((resolve) => ws.once("open", resolve))
      ws.close(4000, "done for today")
      const closed = await waitFor(
        "the close to be logged",
        async () => logged.find((entry) => entry.msg === "control socket closed"),
        5_000,
      )
      expect(closed).toMatchObject({ level: "debug", component: "edge", agentId: agent.id, code: 4000, reason: "done for today" })
    } finally {
      await t.close()
    }
  })
})
