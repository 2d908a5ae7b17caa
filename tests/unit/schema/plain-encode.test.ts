// The plain encode of the runtime's own commands (inboxStreamPayload, src/schema/commands.ts) answers exactly what
// the Schema answers: for commands of every type with a plain payload, valid and not (each field missing, undefined,
// of the wrong type or out of range, an unknown or snake_case field, members in any order; the envelope's id,
// cmdId and replyTo valid and not, a member too many), the same stream payload text, or the same refusal.
import { describe, expect, it } from "vitest"
import {
  AgentInboxCommand,
  ContextInboxCommand,
  decodeStreamEntries,
  hasPlainPayload,
  inboxStreamPayload,
  SessionInboxCommand,
  TaskInboxCommand,
} from "../../../src/schema/commands.ts"
import { encodeInput } from "../../../src/schema/errors.ts"

const ID = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0d"
const OTHER = "0193a0c4-1f2e-7a3b-8c4d-5e6f7a8b9c0e"

/** Commands of each kind with a plain payload (not creations), and their payload fields in memory (camelCase). */
const COMMANDS = {
  task: {
    schema: TaskInboxCommand,
    types: {
      DEPENDENCY_FINISHED: ["taskId", "status", "epoch"],
      SESSION_RUN: ["epoch"],
      SESSION_HOLD: [],
      SESSION_CANCEL: ["reason", "epoch"],
      ASSIGN: ["agentId"],
      START: ["agentId", "attempt"],
      PROGRESS: ["agentId", "attempt", "progress", "message"],
      COMPLETE: ["agentId", "attempt", "result"],
      FAIL: ["agentId", "attempt", "error"],
      RETRY_DUE: ["attempt"],
      DEADLINE: ["attempt"],
      AGENT_LOST: ["agentId", "reason"],
      ADD_DEPENDENCIES: ["taskIds"],
      CANCEL: ["reason"],
      ERASE: [],
    },
  },
  agent: {
    schema: AgentInboxCommand,
    types: {
      CONNECT: [],
      HEARTBEAT: ["load", "status"],
      HEARTBEAT_EXPIRED: ["seq"],
      RESERVE: ["taskId"],
      RELEASE: ["taskId", "outcome"],
      BREAKER_COOLDOWN: ["openedAt"],
    },
  },
  session: {
    schema: SessionInboxCommand,
    types: {
      START: [],
      TIMEOUT: ["seq"],
      COVERAGE: ["seq", "ready", "offered"],
      TASK_STATUS: ["taskId", "index", "from", "status", "epoch"],
      CHECKPOINT: ["data"],
    },
  },
  context: { schema: ContextInboxCommand, types: { SHARE: ["sessionId"], EXPIRE: [] } },
} as const

const VALUES: ReadonlyArray<unknown> = [
  ID,
  OTHER,
  "not-a-uuid",
  "",
  "x",
  "completed",
  "cancelled",
  "heartbeat_expired",
  "healthy",
  "ready",
  "in_progress",
  0,
  1,
  2,
  -1,
  0.5,
  true,
  null,
  undefined,
  {},
  { a: [1, "b", null] },
  [],
  [ID],
  [ID, OTHER],
  ["x"],
]

/** A small seeded generator, so a failure repeats. */
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
  return seed / 0x7fffffff
}

const shuffled = <T>(items: ReadonlyArray<T>, next: () => number): T[] =>
  items
    .map((item) => [next(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item)

/** What the Schema alone answers: the envelope and payload encoded, then the stream entry decoded. */
const reference = (schema: (typeof COMMANDS)[keyof typeof COMMANDS]["schema"], input: Record<string, unknown>) => {
  const encoded = encodeInput(schema, input)
  if (!encoded.ok) return { ok: false, reason: encoded.error.message }
  const { type, kind, id, payload, cmdId, replyTo } = encoded.value as unknown as Record<string, string>
  const text = JSON.stringify(payload)
  const entry = {
    type: type!,
    actor: `${kind}:${id}`,
    payload: text,
    ...(cmdId === undefined ? {} : { cmdId }),
    ...(replyTo === undefined ? {} : { replyTo }),
  }
  const decoded = decodeStreamEntries(entry)
  return decoded.ok ? { ok: true, value: text } : { ok: false, reason: decoded.error.message }
}

const ours = (input: Record<string, unknown>) => {
  const answer = inboxStreamPayload(input)
  return answer.ok ? { ok: true, value: answer.value } : { ok: false, reason: answer.error.message }
}

describe("the plain encode of the runtime's own commands", () => {
  it("covers every command of the list that has a plain payload check", () => {
    for (const [kind, { types }] of Object.entries(COMMANDS))
      for (const type of Object.keys(types))
        expect([kind, type, hasPlainPayload(kind as keyof typeof COMMANDS, type)]).toEqual([kind, type, true])
  })

  it("answers what the Schema answers, for payloads and envelopes valid and not", () => {
    const next = random(5)
    const pick = () => VALUES[Math.floor(next() * VALUES.length)]
    let accepted = 0
    for (const [kind, { schema, types }] of Object.entries(COMMANDS)) {
      for (const [type, fields] of Object.entries(types) as Array<[string, ReadonlyArray<string>]>) {
        for (let n = 0; n < 300; n += 1) {
          const payload: Record<string, unknown> = {}
          for (const field of shuffled(fields, next)) if (next() < 0.85) payload[field] = next() < 0.3 ? pick() : valid(field, next)
          if (next() < 0.08)
            payload[next() < 0.5 ? "unknown" : (fields[0]?.replace(/[A-Z]/g, (c: string) => `_${c.toLowerCase()}`) ?? "x")] = pick()
          const members: Array<[string, unknown]> = [
            ["kind", kind],
            ["id", next() < 0.9 ? ID : pick()],
            ["type", type],
            ["payload", next() < 0.97 ? payload : pick()],
          ]
          if (next() < 0.5) members.push(["cmdId", next() < 0.9 ? "c-1" : pick()])
          if (next() < 0.2) members.push(["replyTo", next() < 0.9 ? "edge:1" : pick()])
          if (next() < 0.03) members.push(["extra", 1])
          const input = Object.fromEntries(shuffled(members, next))
          const expected = reference(schema, input)
          expect({ input, ...ours(input) }).toEqual({ input, ...expected })
          if (expected.ok) accepted += 1
        }
      }
    }
    // Enough of them valid to compare the texts, not only the refusals.
    expect(accepted).toBeGreaterThan(2_000)
  })
})

/** A valid value for a field (by its name), or now and then a wrong one. */
const valid = (field: string, next: () => number): unknown => {
  switch (field) {
    case "taskId":
    case "agentId":
    case "sessionId":
      return next() < 0.5 ? ID : OTHER
    case "taskIds":
      return [ID, OTHER]
    case "status":
      return next() < 0.5 ? "completed" : "healthy"
    case "outcome":
      return next() < 0.5 ? "completed" : "cancelled"
    case "reason":
      return next() < 0.5 ? "heartbeat_expired" : "stopped"
    case "from":
      return "ready"
    case "result":
    case "data":
      return { ok: true, n: [1, 2] }
    case "message":
      return "half way"
    case "progress":
    case "load":
      return 0.5
    default:
      return Math.floor(next() * 5)
  }
}
