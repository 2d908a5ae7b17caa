// On open, a bot's first frame is `connected` (its agent id, heartbeat interval, not resumed the
// first time), and the agent goes online through its machine (CONNECT).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TestClient } from "./client.ts"
import { startSocketEdge, type SocketEdge } from "./harness.ts"

let edge: SocketEdge
beforeAll(async () => {
  edge = await startSocketEdge()
})
afterAll(() => edge.close())

describe("control socket open", () => {
  it("sends connected as the first frame and takes the agent online", async () => {
    const agent = await edge.agent({ heartbeatIntervalMs: 7_000 })
    const client = await TestClient.open(edge.url(`/ws/control?token=${agent.token}`))
    const online = await edge.deployment.actor("agent", agent.id, (row) => row.state === "online")
    expect(online.state).toBe("online")
    expect(client.frames[0]).toMatchObject({
      type: "connected",
      payload: { agent_id: agent.id, heartbeat_interval_ms: 7_000, session_resumed: false },
    })
    expect(Date.parse(client.frames[0]?.timestamp ?? "")).not.toBeNaN()
    await client.close()
  })
})
