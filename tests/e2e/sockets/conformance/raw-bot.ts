// A connected test bot: its control socket opened with its agent's token, and `connected` received.
import { ofType, TestClient, withRef, type Frame } from "./raw-client.ts"
import type { SocketEdge } from "../harness.ts"

export interface Bot {
  readonly id: string
  readonly token: string
  readonly client: TestClient
  readonly connected: Frame
  /** Sends a frame with `id` and resolves with the ack that answers it. */
  acked(type: string, id: string, payload: Record<string, unknown>): Promise<Frame>
}

export async function connectBot(edge: SocketEdge, agent: { id: string; token: string }): Promise<Bot> {
  const client = await TestClient.open(edge.url(`/ws/control?token=${agent.token}`))
  const connected = await client.next(ofType("connected"))
  return {
    ...agent,
    client,
    connected,
    acked: (type, id, payload) => {
      const from = client.frames.length
      client.send({ type, id, payload })
      return client.next(withRef("ack", id), { from })
    },
  }
}
