// The plain payload check (src/schema/commands.ts) of the commands whose payload Schema decodes without a
// transformation answers exactly what the Schema answers: for payloads of every such command, valid and not (each
// field missing, of the wrong type or out of range, an unknown or camelCase field, not an object), a raw inbox entry
// decodes to the same command (members and their order) or is refused with the same reason as the Schema alone.
import { describe, expect, it } from "vitest"
import {
  AgentCommand,
  ContextCommand,
  decodeStreamEntries,
  hasPlainPayload,
  SessionCommand,
  TaskCommand,
} from "../../../src/schema/commands.ts"
import { decodeInput } from "../../../src/schema/errors.ts"
import { camelCase, ID, OTHER, PLAIN_COMMANDS, random, VALUES } from "../../support/plain-commands.ts"

/** Each kind's commands with a plain payload check (fields in the stream form), and the union that decodes them. */
const COMMANDS = {
  task: { union: TaskCommand, types: PLAIN_COMMANDS.task },
  agent: { union: AgentCommand, types: PLAIN_COMMANDS.agent },
  session: { union: SessionCommand, types: PLAIN_COMMANDS.session },
  context: { union: ContextCommand, types: PLAIN_COMMANDS.context },
} as const

const reference = (kind: keyof typeof COMMANDS, type: string, payload: unknown, address: Record<string, string>) => {
  const decoded = decodeInput(COMMANDS[kind].union, { type, payload })
  if (!decoded.ok) return { ok: false, reason: decoded.error.message }
  // A creation names its actor in its payload too: the decoding holds the two to one id.
  const id = (decoded.value.payload as { id?: string }).id
  if (type === "CREATE" && id !== address["id"]) {
    return { ok: false, reason: `payload.id: expected the actor id ${JSON.stringify(address["id"])}, got ${JSON.stringify(id)}` }
  }
  return { ok: true, value: { ...decoded.value, ...address } }
}

const ours = (kind: string, type: string, payload: unknown, extra: Record<string, string>) => {
  const decoded = decodeStreamEntries({ type, actor: `${kind}:${ID}`, payload: JSON.stringify(payload), ...extra })
  return decoded.ok ? { ok: true, value: decoded.value[0] } : { ok: false, reason: decoded.error.message }
}

const payloadsOf = (fields: ReadonlyArray<string>, next: () => number): unknown[] => {
  const pick = () => VALUES[Math.floor(next() * VALUES.length)]
  const payloads: unknown[] = [{}, [], null, "text", 3, { unknown: 1 }]
  for (let n = 0; n < 400; n += 1) {
    const payload: Record<string, unknown> = {}
    for (const field of fields) if (next() < 0.8) payload[field] = pick()
    if (next() < 0.1) payload[next() < 0.5 ? "unknown" : fields[0] === undefined ? "x" : camelCase(fields[0])] = pick()
    payloads.push(payload)
  }
  return payloads
}

describe("plain payload checks", () => {
  it("exist for every command whose payload decodes without a transformation, and only those", () => {
    for (const [kind, { types }] of Object.entries(COMMANDS)) {
      for (const type of Object.keys(types))
        expect([kind, type, hasPlainPayload(kind as keyof typeof COMMANDS, type)]).toEqual([kind, type, true])
    }
    // Creations with plain fields (a session's, nested: plain-session.test.ts); lists with checks of their own, records,
    // or objects with members of their own not noted as plain: the Schema decodes them.
    expect([hasPlainPayload("task", "CREATE"), hasPlainPayload("session", "CREATE")]).toEqual([true, true])
    for (const [kind, type] of [
      ["agent", "CREATE"],
      ["session", "ADD_TASKS"],
      ["context", "CREATE"],
      ["context", "PATCH"],
    ] as const) {
      expect(hasPlainPayload(kind, type)).toBe(false)
    }
  })

  it("answer what the Schema answers, for every command with one and payloads valid and not", () => {
    const next = random(7)
    let accepted = 0
    for (const [kind, { types }] of Object.entries(COMMANDS)) {
      for (const [type, fields] of Object.entries(types)) {
        for (const payload of payloadsOf(fields, next)) {
          const extra: Record<string, string> =
            next() < 0.5 ? { cmdId: "c-1" } : next() < 0.5 ? { replyTo: "edge:1" } : { cmdId: "c-2", replyTo: "edge:2" }
          const address = { kind, id: ID, ...extra }
          const expected = reference(kind as keyof typeof COMMANDS, type, payload, address)
          const got = ours(kind, type, payload, extra)
          expect({ kind, type, payload, ...got }).toEqual({ kind, type, payload, ...expected })
          if (expected.ok) {
            accepted += 1
            const value = expected.value as { payload: object }
            expect(Object.keys(got.value as object)).toEqual(Object.keys(value))
            expect(Object.keys((got.value as { payload: object }).payload)).toEqual(Object.keys(value.payload))
          }
        }
      }
    }
    // Enough of them valid to test the decoded values, not only refusals.
    expect(accepted).toBeGreaterThan(1_000)
  })

  it("answer what the Schema answers for a task's creation (its defaults filled in), valid and not", () => {
    const next = random(11)
    const base: Record<string, unknown> = {
      id: ID,
      session_id: OTHER,
      index: 3,
      key: "k",
      title: "build",
      capability: "code",
      depends_on: [OTHER],
      dependants: [OTHER],
      blocked: false,
      epoch: 1,
      payload: { repo: "x" },
      timeout_s: 60,
      max_attempts: 2,
      priority: 1,
      group: "acme",
      requires_approval: true,
      approval_timeout_s: 600,
    }
    const keys = Object.keys(base)
    const REQUIRED = new Set(["title", "capability", "depends_on", "blocked"])
    let accepted = 0
    for (let n = 0; n < 3_000; n += 1) {
      const payload: Record<string, unknown> = {}
      for (const key of keys) {
        if (key === "id" || next() < (REQUIRED.has(key) ? 0.97 : 0.6))
          payload[key] = next() < 0.08 ? VALUES[Math.floor(next() * VALUES.length)] : base[key]
      }
      if (next() < 0.05) payload[next() < 0.5 ? "unknown" : "timeoutS"] = 1
      if (next() < 0.02) payload["id"] = OTHER
      const expected = reference("task", "CREATE", payload, { kind: "task", id: ID })
      const got = ours("task", "CREATE", payload, {})
      expect({ payload, ...got }).toEqual({ payload, ...expected })
      if (expected.ok) {
        accepted += 1
        expect(Object.keys((got.value as { payload: object }).payload)).toEqual(
          Object.keys((expected.value as { payload: object }).payload),
        )
      }
    }
    expect(accepted).toBeGreaterThan(500)
  })

  it("decodes the lifecycle's everyday commands without the Schema and with its answer", () => {
    for (const [kind, type, payload] of [
      ["task", "ASSIGN", { agent_id: OTHER }],
      ["task", "START", { agent_id: OTHER, attempt: 1 }],
      ["task", "COMPLETE", { agent_id: OTHER, attempt: 1, result: { ok: true } }],
      ["agent", "RESERVE", { task_id: OTHER }],
      ["agent", "RELEASE", { task_id: OTHER, outcome: "completed" }],
    ] as const) {
      expect(ours(kind, type, payload, { cmdId: "c" })).toEqual(reference(kind, type, payload, { kind, id: ID, cmdId: "c" }))
    }
  })
})
