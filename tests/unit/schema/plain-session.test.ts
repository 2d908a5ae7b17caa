// The plain checks of a session's creation (nested Structs: the session, its tasks, each task's spec; src/schema/plain.ts
// `plainNested`) answer exactly what the Schemas answer: for a seeded generator of sessions valid and not (every field
// of the session, of a task and of its spec missing, of the wrong type or out of range, unknown or misspelt members at
// every depth, tasks or spec not what they should be, duplicate keys, unknown dependencies and cycles), the same value
// (members and their order) or the same refusal, for each way a session's creation is checked: the `POST /sessions`
// body, the CREATE the edge appends (defaults written in), the runtime's own encode and the inbox entry's decode.
import { describe, expect, it } from "vitest"
import {
  appendedStreamPayload,
  decodeInboxCommand,
  decodeStreamEntries,
  hasPlainPayload,
  inboxStreamPayload,
  SessionCommand,
  SessionInboxCommand,
  streamPayload,
} from "../../../src/schema/commands.ts"
import { decodeInput, encodeInput } from "../../../src/schema/errors.ts"
import { CreateSessionBody, plainSessionBody } from "../../../src/schema/http.ts"
import { snakeCase } from "../../../src/schema/wire.ts"
import { ID, OTHER, random, VALUES } from "../../support/plain-commands.ts"

const TASK_IDS = [
  "0193a0c4-1f2e-7a3b-8c4d-000000000001",
  "0193a0c4-1f2e-7a3b-8c4d-000000000002",
  "0193a0c4-1f2e-7a3b-8c4d-000000000003",
  OTHER,
]
const KEYS = ["a", "b", "c", "d"]

/** A spec of every field, valid (in memory: camelCase). */
const SPEC: Readonly<Record<string, unknown>> = {
  payload: { repo: "x", n: [1, { deep: null }] },
  timeoutS: 60,
  maxAttempts: 2,
  priority: 1,
  group: "acme",
  requiresApproval: true,
  approvalTimeoutS: 600,
}
/** Values some fields refuse and others take, beyond VALUES. */
const MORE: ReadonlyArray<unknown> = [3600, 3601, 20, 21, 4, 5, "UPPER", "a/b", 30 * 24 * 3600 + 1, { a: 1 }]

type Next = () => number

const pick = (next: Next): unknown => {
  const all = [...VALUES, ...MORE]
  return all[Math.floor(next() * all.length)]
}

const shuffled = <T>(items: ReadonlyArray<T>, next: Next): T[] =>
  items
    .map((item) => [next(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item)

/** `full`'s members in any order, each kept when `keep` says (required ones nearly always), now and then a wrong
 * value, an unknown member or one under its other spelling (`misspelt`). */
const membersOf = (
  full: Readonly<Record<string, unknown>>,
  required: ReadonlySet<string>,
  next: Next,
  misspelt: (key: string) => string,
): Record<string, unknown> => {
  const members: Array<[string, unknown]> = []
  for (const key of shuffled(Object.keys(full), next)) {
    if (!(required.has(key) ? next() < 0.97 : next() < 0.6)) continue
    members.push([key, next() < 0.05 ? pick(next) : full[key]])
  }
  const roll = next()
  if (roll < 0.02) members.push(["unknown", 1])
  else if (roll < 0.04) members.push([misspelt(Object.keys(full)[1] ?? "x"), 1])
  return Object.fromEntries(members)
}

/** A list of up to four tasks made by `task(index)`, now and then a fault of the list itself. */
const listOf = (next: Next, task: (index: number) => unknown): unknown => {
  const roll = next()
  if (roll < 0.02) return pick(next)
  const count = Math.floor(next() * 5)
  const tasks = Array.from({ length: count }, (_, index) => (next() < 0.02 ? pick(next) : task(index)))
  return tasks
}

/** Dependencies of task `index` among `names`: mostly earlier ones, now and then a later one (a cycle may follow) or an unknown one. */
const depsOf = (index: number, names: ReadonlyArray<string>, next: Next): string[] => {
  const deps: string[] = []
  for (let j = 0; j < names.length; j += 1) if (j !== index && next() < (j < index ? 0.4 : 0.05)) deps.push(names[j]!)
  if (next() < 0.03) deps.push(next() < 0.5 ? "nope" : ID)
  return deps
}

/** A session's CREATE payload in memory, as the edge builds it (the tasks' ids derived, each spec apart). */
const sessionInput = (next: Next): unknown => {
  const ids = next() < 0.05 ? [TASK_IDS[0]!, TASK_IDS[0]!, TASK_IDS[1]!, TASK_IDS[2]!] : TASK_IDS
  const tasks = listOf(next, (index) => {
    const spec = next() < 0.02 ? pick(next) : membersOf(SPEC, new Set(), next, snakeCase)
    const full = {
      id: ids[index],
      key: next() < 0.03 ? KEYS[0] : KEYS[index],
      title: `task ${index}`,
      capability: "code",
      dependsOn: depsOf(index, ids, next),
      spec,
    }
    return membersOf(full, new Set(["id", "key", "title", "capability", "dependsOn", "spec"]), next, snakeCase)
  })
  const full = {
    id: ID,
    title: "s",
    prompt: "p",
    type: "release",
    priority: 3,
    timeoutS: 600,
    start: true,
    tasks,
    maxRetries: 2,
    orphanAfterS: 300,
  }
  return membersOf(full, new Set(["id", "title", "tasks"]), next, snakeCase)
}

/** Members' names at the session's, its tasks' and their specs' level in the stream form (a task's payload as it is). */
const toWire = (value: unknown, depth = 0): unknown => {
  if (Array.isArray(value)) return depth > 0 && depth < 3 ? value.map((item) => toWire(item, depth)) : value
  if (value === null || typeof value !== "object" || depth >= 3) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [snakeCase(key), key === "tasks" || key === "spec" ? toWire(member, depth + 1) : member]),
  )
}

/** A `POST /sessions` body (in the wire's names: task keys, `depends_on` naming keys). */
const sessionBody = (next: Next): unknown => {
  const keys = next() < 0.05 ? [KEYS[0]!, ...KEYS.slice(0, 3)] : KEYS
  const tasks = listOf(next, (index) => {
    const full = {
      key: keys[index],
      title: `task ${index}`,
      capability: "code",
      depends_on: depsOf(index, keys, next),
      ...(toWire(SPEC, 2) as object),
    }
    return membersOf(full, new Set(["key", "title", "capability"]), next, (key) =>
      key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
    )
  })
  const full = { title: "s", prompt: "p", type: "release", priority: 3, timeout_s: 600, start: true, tasks }
  return membersOf(full, new Set(["title"]), next, (key) => (key === "timeout_s" ? "timeoutS" : `${key}_`))
}

const answer = (decoded: { ok: true; value: unknown } | { ok: false; error: { message: string } }) =>
  decoded.ok ? { ok: true, text: JSON.stringify(decoded.value) } : { ok: false, reason: decoded.error.message }

describe("the plain checks of a session's creation", () => {
  it("exist for the session's CREATE and for POST /sessions", () => {
    expect(hasPlainPayload("session", "CREATE")).toBe(true)
    expect(plainSessionBody({ title: "s", tasks: [{ key: "a", title: "A", capability: "c" }] })).toBeDefined()
  })

  it("decode an inbox entry's CREATE as the Schema does", () => {
    const next = random(21)
    let valid = 0
    for (let n = 0; n < 3_000; n += 1) {
      const payload = toWire(sessionInput(next))
      const decoded = decodeStreamEntries({ type: "CREATE", actor: `session:${ID}`, payload: JSON.stringify(payload) })
      const reference = decodeInput(SessionCommand, { type: "CREATE", payload })
      const expected = reference.ok
        ? { ok: true, text: JSON.stringify({ ...reference.value, kind: "session", id: ID }) }
        : answer(reference)
      expect({ payload, ...(decoded.ok ? { ok: true, text: JSON.stringify(decoded.value[0]) } : answer(decoded)) }).toEqual({
        payload,
        ...expected,
      })
      if (expected.ok) valid += 1
    }
    expect(valid).toBeGreaterThan(300)
  })

  it("encode a CREATE in memory as the Schemas do: the runtime's own (defaults left out) and the edge's (written in)", () => {
    const next = random(22)
    let valid = 0
    for (let n = 0; n < 3_000; n += 1) {
      const input = { kind: "session", id: ID, type: "CREATE", payload: sessionInput(next), ...(next() < 0.5 ? { replyTo: "edge:1" } : {}) }
      // The runtime's own: the Schema's encode, then the entry's decode.
      const encoded = encodeInput(SessionInboxCommand, input)
      const text = encoded.ok ? JSON.stringify(encoded.value.payload) : ""
      const entry = encoded.ok ? decodeStreamEntries({ type: "CREATE", actor: `session:${ID}`, payload: text }) : encoded
      expect({ input, ...answer(inboxStreamPayload(input)) }).toEqual({
        input,
        ...(entry.ok ? { ok: true, text: JSON.stringify(text) } : answer(entry)),
      })
      // The edge's: decoded, then encoded again with every default written in.
      const decoded = decodeInboxCommand(input)
      const bySchemas = decoded.ok ? { ok: true, text: JSON.stringify(streamPayload(decoded.value)) } : answer(decoded)
      expect({ input, ...answer(appendedStreamPayload(input)) }).toEqual({ input, ...bySchemas })
      if (bySchemas.ok) valid += 1
    }
    expect(valid).toBeGreaterThan(300)
  })

  it("take POST /sessions bodies as the Schema does, every valid one, with its value and members' order", () => {
    const next = random(23)
    let [valid, taken] = [0, 0]
    for (let n = 0; n < 3_000; n += 1) {
      const body = next() < 0.02 ? pick(next) : sessionBody(next)
      const reference = answer(decodeInput(CreateSessionBody, body))
      if (reference.ok) valid += 1
      const plain = plainSessionBody(body)
      if (plain === undefined) continue
      taken += 1
      expect({ body, ok: true, text: JSON.stringify(plain) }).toEqual({ body, ...reference })
    }
    expect(valid).toBeGreaterThan(300)
    expect(taken).toBe(valid)
  })

  it("write in the defaults a creation leaves out, at every depth", () => {
    const input = {
      kind: "session",
      id: ID,
      type: "CREATE",
      payload: { id: ID, title: "s", tasks: [{ id: OTHER, key: "a", title: "A", capability: "c", dependsOn: [], spec: {} }] },
    }
    const appended = appendedStreamPayload(input)
    expect(JSON.parse(appended.ok ? appended.value : "null")).toEqual({
      id: ID,
      title: "s",
      priority: 2,
      tasks: [
        {
          id: OTHER,
          key: "a",
          title: "A",
          capability: "c",
          depends_on: [],
          spec: { payload: {}, timeout_s: 300, max_attempts: 3, priority: 2 },
        },
      ],
      max_retries: 3,
    })
    // The runtime's own leaves them out; the entry's decoding fills them in the same.
    expect(inboxStreamPayload(input)).toEqual({ ok: true, value: JSON.stringify(toWire(input.payload)) })
  })
})
