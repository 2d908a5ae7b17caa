// The control socket checks the agent token at the upgrade: a missing, unknown or revoked token
// is answered with HTTP 401 and PROTOCOL's error body and no socket opens; a browser from an
// origin that is not allowed gets 403; a valid token opens the socket.
// Raw `ws` on purpose: it checks the refused upgrade itself (the HTTP status and body); the SDK's view of
// it (a bot stopped with the body's error): tests/e2e/client/refused-upgrade.test.ts.
import { beforeAll, describe, expect, it } from "vitest"
import { revokeAgentTokens } from "../../../../src/store/tokens.ts"
import { ofType, TestClient, type Refusal } from "./raw-client.ts"
import type { SocketEdge } from "../harness.ts"
import type { SharedEdge } from "./shared-edge.ts"

export function upgradeRefusal(shared: () => SharedEdge): void {
  describe("upgrade refusal", () => {
    let edge: SocketEdge
    beforeAll(() => {
      edge = shared().edge
    })

    const refusal = (url: string, headers?: Record<string, string>): Promise<Refusal> =>
      TestClient.open(url, headers).then(
        async (client) => {
          await client.close()
          throw new Error("the socket opened")
        },
        (error: unknown) => error as Refusal,
      )

    describe("control socket authentication", () => {
      it("refuses a missing token with 401 and the error body, without opening a socket", async () => {
        const refused = await refusal(edge.url("/ws/control"))
        expect(refused.status).toBe(401)
        expect(refused.body).toEqual({ error: { code: "unauthorized", message: expect.stringContaining("token") } })
      })

      it("refuses an unknown token with 401", async () => {
        const refused = await refusal(edge.url("/ws/control?token=not-a-token"))
        expect(refused.status).toBe(401)
        expect(refused.body).toMatchObject({ error: { code: "unauthorized" } })
      })

      it("refuses a revoked token with 401", async () => {
        const agent = await edge.agent()
        await revokeAgentTokens(edge.deployment.schema.sql, agent.id)
        const refused = await refusal(edge.url(`/ws/control?token=${agent.token}`))
        expect(refused.status).toBe(401)
      })

      it("refuses a browser origin that is not allowed with 403, and accepts an allowed one", async () => {
        const agent = await edge.agent()
        const refused = await refusal(edge.url(`/ws/control?token=${agent.token}`), { origin: "https://evil.example" })
        expect(refused.status).toBe(403)
        expect(refused.body).toMatchObject({ error: { code: "forbidden", message: expect.stringContaining("evil.example") } })

        const client = await TestClient.open(edge.url(`/ws/control?token=${agent.token}`), { origin: "https://dashboard.example" })
        await client.next(ofType("connected"))
        await client.close()
      })

      it("opens the socket for a valid token", async () => {
        const agent = await edge.agent()
        const client = await TestClient.open(edge.url(`/ws/control?token=${agent.token}`))
        const connected = await client.next(ofType("connected"))
        expect(connected.payload["agent_id"]).toBe(agent.id)
        await client.close()
      })
    })
  })
}
