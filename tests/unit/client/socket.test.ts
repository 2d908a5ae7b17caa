// The reconnecting socket's verdict on a refused upgrade: a 4xx but 408 and 429 stops it for good with
// the server's error when the WebSocket read the body (the Node entry's does), else with the status's
// code (a browser's, or the `ws` package's own, says only the status in its error message); a 429 or a
// 5xx is retried after a backoff. (The same against a real edge: tests/e2e/client/refused-upgrade.test.ts.)
import { describe, expect, it } from "vitest"
import { ClawbotError } from "../../../src/client/errors.ts"
import { ReconnectingSocket } from "../../../src/client/socket.ts"
import { FakeSocket, FakeWebSocket, socketsMade } from "../../support/fake-socket.ts"

const started = () => {
  FakeSocket.made = []
  const lost: Array<number | undefined> = []
  const stopped: ClawbotError[] = []
  const socket = new ReconnectingSocket(
    { url: () => "ws://edge/ws/control", WebSocket: FakeWebSocket, backoff: { initialMs: 1, maxMs: 2 } },
    {
      open: () => undefined,
      message: () => undefined,
      lost: ({ retryInMs }) => lost.push(retryInMs),
      stopped: (error) => stopped.push(error),
    },
  )
  socket.start()
  return { socket, lost, stopped, last: () => FakeSocket.made.at(-1) as FakeSocket }
}

describe("ReconnectingSocket, a refused upgrade", () => {
  it("stops at a 409 with the server's error when the body was read", () => {
    const { lost, stopped, last } = started()
    last().refuse(409, JSON.stringify({ error: { code: "conflict", message: "quarantined: agent:a: no migration", ref: "r" } }))
    expect(lost).toEqual([undefined])
    expect(stopped).toHaveLength(1)
    expect(stopped[0]).toBeInstanceOf(ClawbotError)
    expect(stopped[0]).toMatchObject({ code: "conflict", message: "quarantined: agent:a: no migration", ref: "r", status: 409 })
    expect(FakeSocket.made).toHaveLength(1)
  })

  it("stops at a 409, 404 or 401 with the status's code when only the status is known", () => {
    for (const [status, code] of [
      [409, "conflict"],
      [404, "not_found"],
      [401, "unauthorized"],
    ] as const) {
      const { stopped, last } = started()
      last().refuse(status)
      expect(stopped.map((error) => error.toJSON())).toEqual([{ code, message: `socket: the upgrade was refused with HTTP ${status}` }])
      expect(stopped[0]?.status).toBe(status)
    }
  })

  it("stops with the status's code when the body is not PROTOCOL's error body", () => {
    const { stopped, last } = started()
    last().refuse(403, "<html>forbidden</html>")
    expect(stopped[0]).toMatchObject({ code: "forbidden", message: "socket: the upgrade was refused with HTTP 403", status: 403 })
  })

  it("tries again after a 429 or a 503, and stops at a later final refusal", async () => {
    const { socket, lost, stopped, last } = started()
    last().refuse(429, JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }))
    await socketsMade(2)
    last().refuse(503)
    await socketsMade(3)
    expect(stopped).toEqual([])
    expect(lost.every((delay) => typeof delay === "number")).toBe(true)
    last().refuse(401)
    expect(stopped.map((error) => error.code)).toEqual(["unauthorized"])
    expect(socket.stopped).toBe(true)
  })
})
