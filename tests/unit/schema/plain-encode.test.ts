// The plain encode of the runtime's own commands (inboxStreamPayload, src/schema/commands.ts) answers exactly what
// the Schema answers: for commands of every type with a plain payload, valid and not (each field missing, undefined,
// of the wrong type or out of range, an unknown or snake_case field, members in any order; the envelope's id,
// cmdId, replyTo and replyWhen valid and not, a member too many), the same stream payload text, or the same refusal. The same
// commands hold what the edge appends (appendedStreamPayload) to the Schemas' decode and encode.
import { describe, expect, it } from "vitest"
import {
  AgentInboxCommand,
  appendedStreamPayload,
  ContextInboxCommand,
  decodeInboxCommand,
  decodeStreamEntries,
  hasPlainPayload,
  inboxStreamPayload,
  SessionInboxCommand,
  streamPayload,
  TaskInboxCommand,
} from "../../../src/schema/commands.ts"
import { encodeInput } from "../../../src/schema/errors.ts"
import { camelCase, ID, OTHER, PLAIN_COMMANDS, random, VALUES } from "../../support/plain-commands.ts"
import { value } from "./helpers.ts"

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
  const { type, kind, id, payload, cmdId, replyTo, replyWhen } = encoded.value as unknown as Record<string, string>
  const text = JSON.stringify(payload)
  const entry = {
    type: type!,
    actor: `${kind}:${id}`,
    payload: text,
    ...(cmdId === undefined ? {} : { cmdId }),
    ...(replyTo === undefined ? {} : { replyTo }),
    ...(replyWhen === undefined ? {} : { replyWhen }),
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
    let accepted = 0
    for (const { schema, input } of commands(5)) {
      const expected = reference(schema, input)
      expect({ input, ...ours(input) }).toEqual({ input, ...expected })
      if (expected.ok) accepted += 1
    }
    // Enough of them valid to compare the texts, not only the refusals.
    expect(accepted).toBeGreaterThan(2_000)
  })
})

/** What the edge appends by the Schemas alone: the command decoded, then encoded again (its defaults written in). */
const bySchemas = (input: Record<string, unknown>) => {
  const decoded = decodeInboxCommand(input)
  return decoded.ok ? { ok: true, value: streamPayload(decoded.value) } : { ok: false, reason: decoded.error.message }
}

describe("the plain path of what the edge appends (appendedStreamPayload)", () => {
  it("answers what the Schemas answer, for payloads and envelopes valid and not", () => {
    let accepted = 0
    for (const { input } of commands(6)) {
      const answer = appendedStreamPayload(input)
      const expected = bySchemas(input)
      expect({ input, ...(answer.ok ? { ok: true, value: answer.value } : { ok: false, reason: answer.error.message }) }).toEqual({
        input,
        ...expected,
      })
      if (expected.ok) accepted += 1
    }
    expect(accepted).toBeGreaterThan(2_000)
  })

  it("answers a task's creation (in memory, defaults given or left out) as the Schemas do, and as the runtime's own path does", () => {
    const next = random(12)
    const base: Record<string, unknown> = {
      id: ID,
      sessionId: OTHER,
      index: 3,
      key: "k",
      title: "build",
      capability: "code",
      dependsOn: [OTHER],
      dependants: [OTHER],
      blocked: false,
      epoch: 1,
      payload: { repo: "x" },
      timeoutS: 60,
      maxAttempts: 2,
      priority: 1,
      group: "acme",
      requiresApproval: true,
      approvalTimeoutS: 600,
    }
    const REQUIRED = new Set(["title", "capability", "dependsOn", "blocked", "payload", "timeoutS", "maxAttempts", "priority"])
    let plain = 0
    for (let n = 0; n < 2_000; n += 1) {
      const payload: Record<string, unknown> = {}
      for (const [key, good] of Object.entries(base))
        if (key === "id" || next() < (REQUIRED.has(key) ? 0.97 : 0.6)) payload[key] = next() < 0.05 ? pick(next) : good
      if (next() < 0.03) payload[next() < 0.5 ? "unknown" : "timeout_s"] = 1
      if (next() < 0.02) payload["id"] = OTHER
      const input = { kind: "task", id: ID, type: "CREATE", payload, ...(next() < 0.5 ? { cmdId: "c-1" } : {}) }
      const answer = appendedStreamPayload(input)
      expect({ input, ...(answer.ok ? { ok: true, value: answer.value } : { ok: false, reason: answer.error.message }) }).toEqual({
        input,
        ...bySchemas(input),
      })
      expect({ input, ...ours(input) }).toEqual({ input, ...reference(TaskInboxCommand, input) })
      if (answer.ok && [...REQUIRED].every((key) => key in payload)) plain += 1
    }
    expect(plain).toBeGreaterThan(500)
  })

  it("writes in the defaults a creation leaves out, and names the first field at fault as the Schemas do", () => {
    const create = { kind: "task", id: ID, type: "CREATE", payload: { id: ID, title: "t", capability: "c", dependsOn: [], blocked: false } }
    const text = appendedStreamPayload(create)
    expect(text).toEqual({ ok: true, value: streamPayload(value(decodeInboxCommand(create))) })
    expect(JSON.parse(text.ok ? text.value : "{}")).toMatchObject({ timeout_s: 300, max_attempts: 3, priority: 2, payload: {} })
    const twoFaults = { kind: "task", id: "t1", type: "START", payload: { agentId: "b" } }
    expect(bySchemas(twoFaults)).toEqual({ ok: false, reason: 'id: expected a UUID, got "t1"' })
    expect(appendedStreamPayload(twoFaults)).toMatchObject({ ok: false, error: { message: 'id: expected a UUID, got "t1"' } })
  })

  it("refuses as payload_too_large a command whose stream payload is over an entry's limit, by either path", () => {
    const task = (text: string) => ({
      kind: "task",
      id: ID,
      type: "CREATE",
      payload: { id: ID, title: "t", capability: "c", dependsOn: [], blocked: false, payload: { text } },
    })
    const fits = appendedStreamPayload(task("é".repeat(1_000_000)))
    expect(fits.ok && Buffer.byteLength(fits.value)).toBeGreaterThan(2_000_000)
    // two bytes of UTF-8 a character: the limit is counted in bytes, not characters
    const over = appendedStreamPayload(task("é".repeat(1_060_000)))
    expect(over).toMatchObject({ ok: false, error: { code: "payload_too_large" } })
    expect(over.ok ? "" : over.error.message).toMatch(/^payload: 2120\d{3} bytes as an inbox command, more than 2097152$/)
    // a session's creation (nested plain checks) and the Schemas' path (tasks joining a session) are held to the same limit
    const tasks = (text: string) => [{ id: OTHER, key: "a", title: "A", capability: "c", dependsOn: [], spec: { payload: { text } } }]
    const session = (text: string) => ({ kind: "session", id: ID, type: "CREATE", payload: { id: ID, title: "s", tasks: tasks(text) } })
    const joining = (text: string) => ({ kind: "session", id: ID, type: "ADD_TASKS", payload: { tasks: tasks(text), firstIndex: 1 } })
    expect([hasPlainPayload("session", "CREATE"), hasPlainPayload("session", "ADD_TASKS")]).toEqual([true, false])
    expect(appendedStreamPayload(session("x".repeat(2_000_000))).ok).toBe(true)
    expect(appendedStreamPayload(session("x".repeat(2_100_000)))).toMatchObject({
      ok: false,
      error: { code: "payload_too_large", message: "payload: 2100274 bytes as an inbox command, more than 2097152" },
    })
    expect(appendedStreamPayload(joining("x".repeat(2_000_000))).ok).toBe(true)
    expect(appendedStreamPayload(joining("x".repeat(2_100_000)))).toMatchObject({
      ok: false,
      error: { code: "payload_too_large", message: "payload: 2100205 bytes as an inbox command, more than 2097152" },
    })
  })
})

/** Any of the values a member takes or refuses, `undefined` included. */
const pick = (next: () => number): unknown => PICKS[Math.floor(next() * PICKS.length)]

/** Commands of every type with a plain payload, from a seeded generator: valid, and wrong in every way. */
function* commands(seed: number) {
  const next = random(seed)
  for (const [kind, { schema, types }] of Object.entries(COMMANDS)) {
    for (const [type, fields] of Object.entries(types) as Array<[string, ReadonlyArray<string>]>) {
      for (let n = 0; n < 300; n += 1) {
        const payload: Record<string, unknown> = {}
        for (const field of shuffled(fields, next)) if (next() < 0.85) payload[field] = next() < 0.3 ? pick(next) : valid(field, next)
        if (next() < 0.08)
          payload[next() < 0.5 ? "unknown" : (fields[0]?.replace(/[A-Z]/g, (c: string) => `_${c.toLowerCase()}`) ?? "x")] = pick(next)
        const members: Array<[string, unknown]> = [
          ["kind", kind],
          ["id", next() < 0.9 ? ID : pick(next)],
          ["type", type],
          ["payload", next() < 0.97 ? payload : pick(next)],
        ]
        if (next() < 0.5) members.push(["cmdId", next() < 0.9 ? "c-1" : pick(next)])
        if (next() < 0.2) members.push(["replyTo", next() < 0.9 ? "edge:1" : pick(next)])
        if (next() < 0.2) members.push(["replyWhen", next() < 0.8 ? "rejected" : next() < 0.5 ? "applied" : pick(next)])
        if (next() < 0.03) members.push(["extra", 1])
        yield { schema, input: Object.fromEntries(shuffled(members, next)) }
      }
    }
  }
}

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
