// The control socket's close handler forgets the socket in its per-agent table before anything that
// could throw: a closed socket left there would be ended by the agent's next open, which uWS refuses
// ("Invalid access of closed uWS.WebSocket"), so that open would fail and the bot never get `connected`.
// The handler runs here on stand-in sockets that behave as uWS's do once closed (every call throws),
// with a reply listener whose stop throws as a bug would.
import { Redis } from "ioredis"
import type uWS from "uWebSockets.js"
import { afterAll, describe, expect, it } from "vitest"
import type { EdgeContext, Replies } from "../../../src/edge/context.ts"
import { createMetrics } from "../../../src/edge/metrics.ts"
import { controlSocket, type ControlData } from "../../../src/edge/sockets/control.ts"
import { createLogger } from "../../../src/log.ts"
import { keysFor } from "../../../src/redis/keys.ts"
import type { AppendInput } from "../../../src/runtime/append.ts"

const AGENT = "7d0b6a4e-3f55-4c2e-9a57-1f1b2c3d4e5f"
const CLOSED = "Invalid access of closed uWS.WebSocket/SSLWebSocket."

/** Never connects: the scripts are only defined (the frames of these tests take no bytes). */
const redis = new Redis({ lazyConnect: true })
afterAll(() => redis.disconnect())

interface StandIn {
  readonly ws: uWS.WebSocket<ControlData>
  /** The frames sent on it, parsed. */
  readonly sent: Array<{ type: string; payload: Record<string, unknown> }>
  /** Calls made after it closed (uWS throws on each). */
  readonly lateCalls: string[]
  /** From here on it is closed, as uWS's socket is once the close handler returned. */
  markClosed(): void
}

/** A socket as uWS hands it to the handlers: valid from open to close, every call throwing after. */
const standIn = (data: ControlData, onEnd: (ws: uWS.WebSocket<ControlData>, code: number) => void): StandIn => {
  let closed = false
  const sent: StandIn["sent"] = []
  const lateCalls: string[] = []
  const live =
    <A extends unknown[], R>(name: string, call: (...args: A) => R) =>
    (...args: A): R => {
      if (closed) {
        lateCalls.push(name)
        throw new Error(CLOSED)
      }
      return call(...args)
    }
  const ws = {
    getUserData: () => data,
    send: live("send", (text: string) => {
      sent.push(JSON.parse(text))
      return 1
    }),
    cork: live("cork", (write: () => void) => write()),
    subscribe: live("subscribe", () => true),
    getBufferedAmount: live("getBufferedAmount", () => 0),
    end: live("end", (code: number) => {
      onEnd(ws, code)
    }),
  } as unknown as uWS.WebSocket<ControlData>
  return { ws, sent, lateCalls, markClosed: () => void (closed = true) }
}

const controlData = (): ControlData =>
  ({
    agentId: AGENT,
    heartbeatIntervalMs: 10_000,
    resumed: false,
    budget: undefined,
    inFlight: 0,
    replyPrefix: "edge-test:1",
    pending: new Map(),
    seq: 0,
    closed: false,
  }) as unknown as ControlData

describe("the control socket's close handler", () => {
  it("forgets the socket even when a step before it throws, so the agent's next open gets `connected`", async () => {
    const appended: AppendInput[] = []
    const logged: Array<{ msg: string; where?: string; error?: string }> = []
    const replies: Replies = {
      address: () => "edge-test:1",
      wait: async () => undefined,
      // A bug in the listener's removal: the close handler's steps after it would be skipped.
      listen: () => () => {
        throw new TypeError("injected: the reply listener cannot be removed")
      },
    }
    const ctx = {
      edgeId: "edge-test",
      redis,
      keys: keysFor("t"),
      append: async (command: AppendInput) => {
        appended.push(command)
        return { streamId: "1-0", duplicate: false }
      },
      replies,
      metrics: createMetrics(),
      log: createLogger("error", {}, (line) => void logged.push(JSON.parse(line))),
      limits: { maxPayloadBytes: 1024, maxBackpressureBytes: 1024 * 1024, perConnectionPerSecond: 50, allowedOrigins: [] },
      clock: Date.now,
    } as unknown as EdgeContext
    const behavior = controlSocket(
      ctx,
      { maxFrameBytes: 1024, bytesPerSecond: 1024, maxInFlight: 8, maxTopics: 8, heartbeatRecordMs: 60_000 },
      { onAssigned: () => undefined },
    )
    const open = behavior.open as (ws: uWS.WebSocket<ControlData>) => void
    const close = behavior.close as (ws: uWS.WebSocket<ControlData>, code: number, reason: ArrayBuffer) => void
    const connect = (): StandIn => {
      // uWS runs the close handler inside end(); the socket is closed once it returns.
      const socket = standIn(controlData(), (ws, code) => {
        close(ws, code, new ArrayBuffer(0))
        socket.markClosed()
      })
      open(socket.ws)
      return socket
    }

    const first = connect()
    expect(first.sent.map((frame) => frame.type)).toEqual(["connected"])
    // The bot goes away (uWS: the close handler runs, then the socket is gone).
    close(first.ws, 1000, new ArrayBuffer(0))
    first.markClosed()

    // The fault is logged with its stack (./guard.ts), nothing else.
    expect(logged.map(({ msg, where, error }) => ({ msg, where, error }))).toEqual([
      { msg: "socket handler failed", where: "close", error: "injected: the reply listener cannot be removed" },
    ])

    const second = connect()
    expect(first.lateCalls).toEqual([])
    expect(second.sent.map((frame) => frame.type)).toEqual(["connected"])
    // The close still recorded the disconnection (after the throw), and the new socket its connection.
    await Promise.resolve()
    expect(appended.map((command) => command.type)).toEqual(["CONNECT", "DISCONNECT", "CONNECT"])
  })
})
