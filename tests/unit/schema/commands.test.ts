// Inbox commands: every command of docs/machines.md decodes, creation defaults apply, refusals are exact,
// and raw stream entries are decoded (or refused with the reason for the dead-letter stream).
import { describe, expect, it } from "vitest"
import { decodeInboxCommand, decodeStreamEntry, inboxStreamPayload, streamPayload } from "../../../src/schema/commands.ts"
import { ID, message, value } from "./helpers.ts"

const taskCreate = { id: ID.a, title: "build", capability: "code", dependsOn: [], blocked: false }
const agentCreate = { id: ID.b, name: "bot-1", capabilities: ["code"] }
const sessionTask = (id: string, key: string, dependsOn: string[] = []) => ({
  id,
  key,
  title: key,
  capability: "code",
  dependsOn,
  spec: {},
})

const samples = {
  task: {
    CREATE: taskCreate,
    DEPENDENCY_FINISHED: { taskId: ID.b, status: "completed", epoch: 1 },
    SESSION_RUN: { epoch: 1 },
    SESSION_HOLD: {},
    SESSION_CANCEL: { reason: "session stopped", epoch: 2 },
    ASSIGN: { agentId: ID.b },
    CLAIM: { agentId: ID.b },
    START: { agentId: ID.b },
    PROGRESS: { agentId: ID.b, progress: 0.5, message: "half" },
    COMPLETE: { agentId: ID.b, result: { ok: true } },
    FAIL: { agentId: ID.b, error: "boom" },
    RETRY_DUE: { attempt: 1 },
    DEADLINE: { attempt: 0 },
    AGENT_LOST: { agentId: ID.b },
    ADD_DEPENDENCIES: { taskIds: [ID.c] },
    CANCEL: { reason: "operator" },
    RETRY: {},
    ERASE: {},
  },
  agent: {
    CREATE: agentCreate,
    CONNECT: {},
    HEARTBEAT: { load: 0.5, status: "healthy" },
    HEARTBEAT_EXPIRED: { seq: 3 },
    DISCONNECT: {},
    RESERVE: { taskId: ID.a },
    GIVEN: { taskIds: [ID.a] },
    RELEASE: { taskId: ID.a, outcome: "timed_out" },
    DRAIN: {},
    UNDRAIN: {},
    BREAKER_COOLDOWN: { openedAt: 1732185600000 },
    DEREGISTER: {},
  },
  session: {
    CREATE: { id: ID.c, title: "release", tasks: [sessionTask(ID.a, "a")] },
    START: {},
    PAUSE: {},
    RESUME: {},
    STOP: {},
    CANCEL: {},
    FAIL: { reason: "gave up" },
    TIMEOUT: { seq: 2 },
    RETRY: {},
    ORPHAN: {},
    ORPHAN_DUE: { seq: 1 },
    COVERAGE: { seq: 1, ready: 2, offered: 0 },
    DELETE: {},
    ERASE: {},
    PURGE: {},
    ADD_TASKS: { tasks: [sessionTask(ID.a, "a")], firstIndex: 2, parentId: ID.b },
    TASK_STATUS: { taskId: ID.a, index: 0, from: "in_progress", status: "completed", epoch: 1 },
    CHECKPOINT: { data: { step: 2 } },
  },
} as const

const actorId = { task: ID.a, agent: ID.b, session: ID.c } as const

describe("commands of each machine", () => {
  for (const [kind, commands] of Object.entries(samples) as [keyof typeof samples, Record<string, object>][]) {
    for (const [type, payload] of Object.entries(commands)) {
      it(`${kind} ${type} decodes`, () => {
        const cmd = value(decodeInboxCommand({ kind, id: actorId[kind], type, payload }))
        expect(cmd).toMatchObject({ kind, id: actorId[kind], type, payload })
      })
    }
  }

  it("refuses a type the kind does not accept, listing exactly the kind's commands", () => {
    expect(message(decodeInboxCommand({ kind: "agent", id: ID.b, type: "ASSIGN", payload: {} }))).toBe(
      'type: expected one of "CREATE", "CONNECT", "HEARTBEAT", "HEARTBEAT_EXPIRED", "DISCONNECT", "RESERVE", ' +
        '"GIVEN", "RELEASE", "DRAIN", "UNDRAIN", "BREAKER_COOLDOWN", "DEREGISTER", got "ASSIGN"',
    )
    expect(message(decodeInboxCommand({ kind: "task", id: ID.a, type: "DRAIN", payload: {} }))).toMatch(
      /^type: expected one of "CREATE", "DEPENDENCY_FINISHED", .*"RETRY", "ERASE", got "DRAIN"$/,
    )
  })

  it("checks the envelope first", () => {
    expect(message(decodeInboxCommand({ kind: "robot", id: ID.a, type: "START", payload: {} }))).toBe(
      'kind: expected one of "session", "task", "agent", "context", got "robot"',
    )
    expect(message(decodeInboxCommand({ kind: "task", id: "t1", type: "START", payload: {} }))).toBe('id: expected a UUID, got "t1"')
    expect(message(decodeInboxCommand({ kind: "task", id: ID.a, type: "RETRY" }))).toBe("payload: is missing")
  })

  it("names the failing payload field", () => {
    expect(message(decodeInboxCommand({ kind: "task", id: ID.a, type: "ASSIGN", payload: { agentId: "b" } }))).toBe(
      'payload.agentId: expected a UUID, got "b"',
    )
    expect(message(decodeInboxCommand({ kind: "task", id: ID.a, type: "PROGRESS", payload: { agentId: ID.b, progress: 2 } }))).toBe(
      "payload.progress: expected a value between 0 and 1, got 2",
    )
    expect(message(decodeInboxCommand({ kind: "agent", id: ID.b, type: "RELEASE", payload: { taskId: ID.a, outcome: "meh" } }))).toBe(
      'payload.outcome: expected one of "completed", "failed", "cancelled", "timed_out", "lost", got "meh"',
    )
    expect(message(decodeInboxCommand({ kind: "agent", id: ID.b, type: "GIVEN", payload: { taskIds: [] } }))).toBe(
      "payload.taskIds: expected a value with a length of at least 1, got []",
    )
  })

  it("takes {} as a payload-less command's payload and refuses anything else", () => {
    expect(value(decodeInboxCommand({ kind: "agent", id: ID.b, type: "DRAIN", payload: {} })).payload).toEqual({})
    expect(message(decodeInboxCommand({ kind: "agent", id: ID.b, type: "DRAIN", payload: { junk: 1 } }))).toBe(
      "payload.junk: unknown field",
    )
    expect(message(decodeInboxCommand({ kind: "agent", id: ID.b, type: "DRAIN", payload: "x" }))).toBe(
      'payload: expected an object, got "x"',
    )
  })

  it("refuses payload fields the command does not define, naming them", () => {
    expect(message(decodeInboxCommand({ kind: "task", id: ID.a, type: "ASSIGN", payload: { agentId: ID.b, at: 1 } }))).toBe(
      "payload.at: unknown field",
    )
    const create = { id: ID.c, title: "s", tasks: [{ ...sessionTask(ID.a, "a"), spec: { timeout: 5 } }] }
    expect(message(decodeInboxCommand({ kind: "session", id: ID.c, type: "CREATE", payload: create }))).toBe(
      "payload.tasks.0.spec.timeout: unknown field",
    )
  })

  it("refuses what the input rules refuse, in payloads built in memory too", () => {
    const complete = (result: unknown) =>
      decodeInboxCommand({ kind: "task", id: ID.a, type: "COMPLETE", payload: { agentId: ID.b, result } })
    expect(message(complete({ out: "a\u0000b" }))).toBe("payload.result.out: holds a NUL character (\\u0000)")
    expect(message(complete(["\ud800"]))).toBe("payload.result.0: holds an unpaired surrogate")
    expect(message(complete(Number.POSITIVE_INFINITY))).toBe("payload.result: expected a finite number, got Infinity")
    let deep: unknown = 1
    for (let i = 0; i < 10_000; i += 1) deep = [deep]
    expect(message(complete(deep))).toMatch(/^payload\.result\.0\.0\.0\.0\.0\.0\.…: nested deeper than 64 levels$/)
  })
})

describe("CREATE", () => {
  it("applies the task defaults", () => {
    const cmd = value(decodeInboxCommand({ kind: "task", id: ID.a, type: "CREATE", payload: taskCreate }))
    expect(cmd.payload).toEqual({ ...taskCreate, payload: {}, timeoutS: 300, maxAttempts: 3, priority: 2 })
  })

  it("applies the agent defaults", () => {
    const cmd = value(decodeInboxCommand({ kind: "agent", id: ID.b, type: "CREATE", payload: agentCreate }))
    expect(cmd.payload).toEqual({ ...agentCreate, maxConcurrency: 1, heartbeatIntervalMs: 10_000 })
  })

  it("applies the session defaults, also to each task's spec", () => {
    const cmd = value(decodeInboxCommand({ kind: "session", id: ID.c, type: "CREATE", payload: samples.session.CREATE }))
    expect(cmd.payload).toEqual({
      id: ID.c,
      title: "release",
      priority: 2,
      maxRetries: 3,
      tasks: [{ ...sessionTask(ID.a, "a"), spec: { payload: {}, timeoutS: 300, maxAttempts: 3, priority: 2 } }],
    })
  })

  it("keeps the task bounds", () => {
    const create = (extra: object) => decodeInboxCommand({ kind: "task", id: ID.a, type: "CREATE", payload: { ...taskCreate, ...extra } })
    expect(message(create({ timeoutS: 3601 }))).toBe("payload.timeoutS: expected a value between 1 and 3600, got 3601")
    expect(message(create({ timeoutS: 0 }))).toBe("payload.timeoutS: expected a value between 1 and 3600, got 0")
    expect(message(create({ maxAttempts: 21 }))).toBe("payload.maxAttempts: expected a value between 1 and 20, got 21")
    expect(message(create({ priority: 5 }))).toBe("payload.priority: expected a value between 0 and 4, got 5")
    expect(value(create({ timeoutS: 3600, maxAttempts: 20, priority: 0 })).payload).toMatchObject({
      timeoutS: 3600,
      maxAttempts: 20,
      priority: 0,
    })
  })

  it("keeps the agent bounds", () => {
    const create = (extra: object) => decodeInboxCommand({ kind: "agent", id: ID.b, type: "CREATE", payload: { ...agentCreate, ...extra } })
    expect(message(create({ capabilities: [] }))).toBe("payload.capabilities: expected a value with a length of at least 1, got []")
    expect(message(create({ maxConcurrency: 1001 }))).toBe("payload.maxConcurrency: expected a value between 1 and 1000, got 1001")
  })

  it("must create the actor it is addressed to", () => {
    expect(message(decodeInboxCommand({ kind: "task", id: ID.b, type: "CREATE", payload: taskCreate }))).toBe(
      `payload.id: expected the actor id "${ID.b}", got "${ID.a}"`,
    )
  })

  it("refuses a session whose tasks do not form a DAG", () => {
    const session = (tasks: object[]) =>
      decodeInboxCommand({ kind: "session", id: ID.c, type: "CREATE", payload: { id: ID.c, title: "s", tasks } })
    expect(message(session([sessionTask(ID.a, "a", [ID.c])]))).toBe(`payload.tasks.0.depends_on.0: unknown task id "${ID.c}"`)
    expect(message(session([sessionTask(ID.a, "a", [ID.b]), sessionTask(ID.b, "b", [ID.a])]))).toBe(
      `payload.tasks.0.depends_on: dependency cycle "${ID.a}" -> "${ID.b}" -> "${ID.a}"`,
    )
    expect(message(session([sessionTask(ID.a, "a"), sessionTask(ID.b, "a")]))).toBe('payload.tasks.1.key: duplicate task key "a"')
    expect(message(session([sessionTask(ID.a, "a"), sessionTask(ID.a, "b")]))).toBe(`payload.tasks.1.id: duplicate task id "${ID.a}"`)
  })
})

describe("stream form", () => {
  it("carries payloads in snake_case and reads them back to the camelCase the machines use", () => {
    const inputs: Array<{ kind: string; id: string; type: string; payload: object; cmdId?: string; replyTo?: string }> = [
      { kind: "task", id: ID.a, type: "PROGRESS", payload: { agentId: ID.b, progress: 0.25, message: "x" }, cmdId: "c-1" },
      { kind: "agent", id: ID.b, type: "BREAKER_COOLDOWN", payload: { openedAt: 5 }, replyTo: "edge-1" },
      {
        kind: "task",
        id: ID.a,
        type: "CREATE",
        payload: { ...taskCreate, payload: { someKey: 1 }, timeoutS: 60, maxAttempts: 2, priority: 1 },
      },
    ]
    const streamed = inputs.map((input) => streamPayload(value(decodeInboxCommand(input))))
    expect(streamed.map((text) => JSON.parse(text))).toEqual([
      { agent_id: ID.b, progress: 0.25, message: "x" },
      { opened_at: 5 },
      {
        id: ID.a,
        title: "build",
        capability: "code",
        depends_on: [],
        blocked: false,
        payload: { someKey: 1 },
        timeout_s: 60,
        max_attempts: 2,
        priority: 1,
      },
    ])
    for (const [i, input] of inputs.entries()) {
      const { kind, id, type, cmdId, replyTo } = input
      const fields: Record<string, string> = {
        type,
        actor: `${kind}:${id}`,
        payload: streamed[i] as string,
        ...(cmdId ? { cmdId } : {}),
        ...(replyTo ? { replyTo } : {}),
      }
      expect(value(decodeStreamEntry(fields))).toEqual(input)
    }
  })
})

describe("the runtime's own commands (inboxStreamPayload)", () => {
  it("carry a payload every command of every machine decodes back from as decodeInboxCommand decodes it", () => {
    for (const [kind, commands] of Object.entries(samples) as [keyof typeof samples, Record<string, object>][]) {
      for (const [type, payload] of Object.entries(commands)) {
        const input = { kind, id: actorId[kind], type, payload }
        const text = value(inboxStreamPayload(input))
        expect(value(decodeStreamEntry({ type, actor: `${kind}:${input.id}`, payload: text }))).toEqual(value(decodeInboxCommand(input)))
        // The text is the re-encoded command's, less the decoding defaults the command left out.
        const full = JSON.parse(streamPayload(value(decodeInboxCommand(input)))) as Record<string, unknown>
        expect(full).toMatchObject(JSON.parse(text) as Record<string, unknown>)
      }
    }
    const assign = { kind: "task", id: ID.a, type: "ASSIGN", payload: { agentId: ID.b } }
    expect(value(inboxStreamPayload(assign))).toBe(streamPayload(value(decodeInboxCommand(assign))))
  })

  it("are refused as decodeInboxCommand refuses them, naming the same field when one is at fault", () => {
    const refused = [
      { kind: "robot", id: ID.a, type: "START", payload: {} },
      { kind: "task", id: "t1", type: "START", payload: { agentId: ID.b } },
      { kind: "task", id: ID.a, type: "RETRY" },
      { kind: "task", id: ID.a, type: "DRAIN", payload: {} },
      { kind: "task", id: ID.a, type: "ASSIGN", payload: { agentId: "b" } },
      { kind: "task", id: ID.a, type: "ASSIGN", payload: { agentId: ID.b, at: 1 } },
      { kind: "task", id: ID.a, type: "COMPLETE", payload: { agentId: ID.b, result: { out: "a\u0000b" } } },
      { kind: "task", id: ID.a, type: "CREATE", payload: { ...taskCreate, id: ID.b } },
      null,
    ]
    for (const input of refused) expect(message(inboxStreamPayload(input))).toBe(message(decodeInboxCommand(input)))
    // With several at fault, its kind's Schema names the first it meets (the header is not decoded first).
    expect(message(inboxStreamPayload({ kind: "task", id: "t1", type: "START", payload: {} }))).toBe("payload.agentId: is missing")
  })
})

describe("raw stream entries", () => {
  it("decodes the flat field list XREADGROUP returns", () => {
    const fields = ["type", "ASSIGN", "actor", `task:${ID.a}`, "payload", JSON.stringify({ agent_id: ID.b }), "cmdId", "c-9"]
    expect(value(decodeStreamEntry(fields))).toEqual({
      kind: "task",
      id: ID.a,
      type: "ASSIGN",
      payload: { agentId: ID.b },
      cmdId: "c-9",
    })
  })

  it("gives the reason for a malformed entry", () => {
    const entry = (fields: Record<string, string>) => message(decodeStreamEntry(fields))
    expect(entry({ type: "ASSIGN", actor: `tusk:${ID.a}`, payload: "{}" })).toBe(
      `actor: expected an actor reference <session|task|agent|context>:<uuid>, got "tusk:${ID.a}"`,
    )
    expect(entry({ type: "ASSIGN", actor: `task:${ID.a}`, payload: "{x" })).toBe("payload: invalid JSON")
    expect(entry({ type: "ASSIGN", actor: `task:${ID.a}` })).toBe("payload: is missing")
    expect(entry({ actor: `task:${ID.a}`, payload: "{}" })).toBe("type: is missing")
    expect(entry({ type: "ASSIGN", actor: `task:${ID.a}`, payload: "{}" })).toBe("payload.agent_id: is missing")
    expect(entry({ type: "NOPE", actor: `session:${ID.c}`, payload: "{}" })).toMatch(/^type: expected one of "CREATE", .* got "NOPE"$/)
  })

  it("refuses camelCase payloads, unknown fields and what the input rules refuse", () => {
    const assign = (payload: string) => message(decodeStreamEntry({ type: "ASSIGN", actor: `task:${ID.a}`, payload }))
    expect(assign(JSON.stringify({ agentId: ID.b }))).toBe("payload.agentId: unknown field")
    expect(assign(JSON.stringify({ agent_id: ID.b, timeout: 3 }))).toBe("payload.timeout: unknown field")
    const complete = (result: string) =>
      message(decodeStreamEntry({ type: "COMPLETE", actor: `task:${ID.a}`, payload: `{"agent_id":"${ID.b}","result":${result}}` }))
    expect(complete('"a\\u0000b"')).toBe("payload.result: holds a NUL character (\\u0000)")
    expect(complete('{"\\udc00": 1}')).toBe('payload.result: field name "\\udc00" holds an unpaired surrogate')
    expect(complete("1e999")).toBe("payload.result: expected a finite number, got Infinity")
    expect(complete(`${"[".repeat(5000)}${"]".repeat(5000)}`)).toMatch(/nested deeper than 64 levels$/)
  })
})
