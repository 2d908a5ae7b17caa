// The raw-protocol conformance test (PROTOCOL v1.1, docs/protocol.md): the one test that speaks the wire
// itself, with a client of the plain `ws` package (./conformance/raw-client.ts), sending frames the SDK
// never sends and reading the server's frames as text. Every other socket test drives the server through
// the SDK (src/client). Each wire rule is a module of ./conformance/ that registers its describe block;
// they run in this order, one after another. The rules that need no settings of their own share one
// deployment (./conformance/shared-edge.ts); the rest start their own, inside their block: a frozen clock
// (exact rate verdicts), small quotas, two edges, no runtime.
import { describe } from "vitest"
import { acksAndRefs } from "./conformance/acks-and-refs.ts"
import { byteBudget } from "./conformance/byte-budget.ts"
import { fleetFrames } from "./conformance/fleet-frames.ts"
import { frameRate } from "./conformance/frame-rate.ts"
import { frameShapes } from "./conformance/frame-shapes.ts"
import { hostileFrames } from "./conformance/hostile-frames.ts"
import { payloadLimit } from "./conformance/payload-limit.ts"
import { repeatedIds } from "./conformance/repeated-ids.ts"
import { resumeFrames } from "./conformance/resume-frames.ts"
import { sharedEdge } from "./conformance/shared-edge.ts"
import { sinceRefusal } from "./conformance/since-refusal.ts"
import { staleAttempts } from "./conformance/stale-attempts.ts"
import { topicFrames } from "./conformance/topic-frames.ts"
import { upgradeRefusal } from "./conformance/upgrade-refusal.ts"

describe("the wire, as PROTOCOL writes it", () => {
  const shared = sharedEdge()

  // On the shared deployment.
  /** Both sockets' frames byte by byte, key order included: the envelope, `event` with its cursor. */
  frameShapes(shared)
  /** `ack {ref, stream_id}` for an appended frame, `error {code, message, ref}` for a refused or malformed one; no id, no answer. */
  acksAndRefs(shared)
  /** A frame id repeated by one agent is applied once; the same id from two agents is two commands. */
  repeatedIds(shared)
  /** A reconnect resumes: `connected {session_resumed: true}`, then every held task sent again. */
  resumeFrames(shared)
  /** `task_cancelled {task_id, attempt, reason}`, and a report of an attempt that is over refused `conflict`. */
  staleAttempts(shared)
  /** An event once per followed topic; `subscribe` / `unsubscribe` live; bad topics refused. */
  topicFrames(shared)
  /** The control socket's upgrade refused 401 (token) or 403 (origin) with PROTOCOL's error body. */
  upgradeRefusal(shared)

  // Each on a deployment of its own.
  /** A `since` the stream no longer holds: `conflict` naming the oldest retained cursor; the socket stays open. */
  sinceRefusal()
  /** Deep nesting, bad UTF-8, NUL, unknown fields, a handler's bug, quotas: a defined answer, nothing appended. */
  hostileFrames()
  /** A frame over the payload limit: `payload_too_large`, then close 1009, on both sockets. */
  payloadLimit()
  /** A flood of bad frames: answered, then `rate_limited`, then close 4429; other bots unharmed. */
  frameRate()
  /** An agent's bytes a second are one budget across two edges. */
  byteBudget()
  /** The `fleet` topic (beyond PROTOCOL v1.1): the inbox lag and dead letters each second. */
  fleetFrames()
})
