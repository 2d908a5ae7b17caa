// The plain check of `POST /tasks/batch`'s body (src/schema/http.ts `plainTaskBatchBody`) takes only what the Schema
// takes, and gives the value the Schema gives, members and their order included: bodies valid and not, from a seeded
// generator (every field of a task missing, of the wrong type or out of range, unknown or camelCase fields, a task that
// is not an object, tasks not a list or of a wrong count, the body not an object or with a member too many). What it
// does not take goes to the Schema, whose answer (value or refusal) is then the route's, so the two paths answer alike.
import { describe, expect, it } from "vitest"
import { decodeInput } from "../../../src/schema/errors.ts"
import { CreateTaskBatchBody, hasPlainTaskBatch, MAX_BATCH_TASKS, plainTaskBatchBody } from "../../../src/schema/http.ts"
import { ID, OTHER, random, VALUES } from "../../support/plain-commands.ts"

/** A task of every field, in the wire's names, valid. */
const FULL: Readonly<Record<string, unknown>> = {
  title: "build",
  capability: "code.review",
  key: "k-1",
  session_id: OTHER,
  depends_on: [ID],
  payload: { repo: "x", n: [1, 2, { deep: null }] },
  timeout_s: 60,
  max_attempts: 2,
  priority: 1,
  group: "acme@1",
  requires_approval: true,
  approval_timeout_s: 600,
}
const REQUIRED = new Set(["title", "capability"])
/** Values some fields refuse and others take, beyond VALUES. */
const MORE: ReadonlyArray<unknown> = [3600, 3601, 20, 21, 4, 5, "a".repeat(65), "UPPER", "a/b", [ID, "x"], { a: 1 }, 30 * 24 * 3600 + 1]

const pick = (next: () => number): unknown => {
  const all = [...VALUES, ...MORE]
  return all[Math.floor(next() * all.length)]
}

const shuffled = <T>(items: ReadonlyArray<T>, next: () => number): T[] =>
  items
    .map((item) => [next(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item)

const task = (next: () => number): unknown => {
  if (next() < 0.02) return pick(next)
  const fields: Array<[string, unknown]> = []
  for (const key of shuffled(Object.keys(FULL), next)) {
    if (!(REQUIRED.has(key) ? next() < 0.97 : next() < 0.5)) continue
    fields.push([key, next() < 0.06 ? pick(next) : FULL[key]])
  }
  if (next() < 0.03) fields.push([next() < 0.5 ? "unknown" : "timeoutS", 1])
  return Object.fromEntries(fields)
}

function* bodies(seed: number): Generator<unknown> {
  const next = random(seed)
  for (let n = 0; n < 3_000; n += 1) {
    const count = next() < 0.02 ? 0 : 1 + Math.floor(next() * 4)
    const tasks = Array.from({ length: count }, () => task(next))
    const roll = next()
    if (roll < 0.02) yield pick(next)
    else if (roll < 0.04) yield { tasks: pick(next) }
    else if (roll < 0.06) yield { tasks, extra: 1 }
    else if (roll < 0.07) yield {}
    else yield { tasks }
  }
}

/** The Schema's answer, as the route would give it. */
const bySchema = (body: unknown) => {
  const decoded = decodeInput(CreateTaskBatchBody, body)
  return decoded.ok ? { ok: true, value: decoded.value, text: JSON.stringify(decoded.value) } : { ok: false, reason: decoded.error.message }
}

describe("the plain check of POST /tasks/batch", () => {
  it("exists: every field of a task has a plain check", () => {
    expect(hasPlainTaskBatch).toBe(true)
  })

  it("takes only what the Schema takes, giving its value and members' order; leaves the rest to it", () => {
    let taken = 0
    let valid = 0
    let refused = 0
    for (const body of bodies(7)) {
      const expected = bySchema(body)
      const plain = plainTaskBatchBody(body)
      if (expected.ok) valid += 1
      else refused += 1
      if (plain === undefined) continue
      taken += 1
      expect({ body, ok: true, value: plain, text: JSON.stringify(plain) }).toEqual({ body, ...expected })
    }
    // Enough of both kinds, and the plain check takes every valid one.
    expect(valid).toBeGreaterThan(600)
    expect(refused).toBeGreaterThan(600)
    expect(taken).toBe(valid)
  })

  it("fills in the defaults as the Schema does, and takes 1 to MAX_BATCH_TASKS tasks", () => {
    const bare = { tasks: [{ title: "t", capability: "c" }] }
    expect(plainTaskBatchBody(bare)).toEqual(bySchema(bare).value)
    expect(plainTaskBatchBody(bare)).toEqual({
      tasks: [{ title: "t", capability: "c", dependsOn: [], payload: {}, timeoutS: 300, maxAttempts: 3, priority: 2 }],
    })
    const most = { tasks: Array.from({ length: MAX_BATCH_TASKS }, (_, i) => ({ title: `t${i}`, capability: "c" })) }
    expect(JSON.stringify(plainTaskBatchBody(most))).toBe(bySchema(most).text)
    for (const tasks of [[], [...most.tasks, { title: "one more", capability: "c" }]]) {
      expect(plainTaskBatchBody({ tasks })).toBeUndefined()
      expect(bySchema({ tasks }).ok).toBe(false)
    }
  })
})
