// Test support for mirrors against a real edge: a task nothing happens to (ready, its capability offered
// by no agent), so its mirror stays quiet, and the sockets the mirrors' network opened, counted open or
// waited for until closed.
import { expect } from "vitest"
import type WebSocket from "ws"
import type { TestEdge } from "./edge.ts"

/** A ready task nobody can take (no agent offers `capability`): it stays quiet. */
export const quietTask = async (t: TestEdge, capability: string): Promise<string> => {
  const created = await t.api.post("/api/v1/tasks", { title: "quiet", capability })
  expect(created.status).toBe(201)
  return created.body.id as string
}

/** Resolves once `ws` is closed (at once when it is, or when there is none). */
export const closedSocket = (ws: WebSocket | undefined): Promise<void> =>
  new Promise((resolve) => (ws === undefined || ws.readyState === ws.CLOSED ? resolve() : ws.once("close", () => resolve())))

/** How many of `sockets` are not closed. */
export const openSockets = (sockets: ReadonlyArray<WebSocket>): number => sockets.filter((ws) => ws.readyState !== ws.CLOSED).length
