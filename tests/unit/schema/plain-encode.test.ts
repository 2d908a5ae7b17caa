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
import { camelCase, ID, OTHER, PLAIN_COMMANDS, random, VALUES } from "../../support/plain-commands.ts"

/** The values a member takes, and `undefined` (a member present but undefined, which the encode must treat as absent). */
const PICKS: ReadonlyArray<unknown> = [...VALUES, undefined]

/** The fields of a kind's commands in memory (camelCase). */
const inMemory = (types: Readonly<Record<string, ReadonlyArray<string>>>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(types).map(([type, fields]) => [type, fields.map(camelCase)]))

/** Each kind's commands with a plain payload (creations aside), and the Schema that encodes its commands. */
const COMMANDS = {
  task: { schema: TaskInboxCommand, types: inMemory(PLAIN_COMMANDS.task) },
  agent: { schema: AgentInboxCommand, types: inMemory(PLAIN_COMMANDS.agent) },
  session: { schema: SessionInboxCommand, types: inMemory(PLAIN_COMMANDS.session) },
  context: { schema: ContextInboxCommand, types: inMemory(PLAIN_COMMANDS.context) },
} as const

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
    const pick = () => PICKS[Math.floor(next() * PICKS.length)]
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
