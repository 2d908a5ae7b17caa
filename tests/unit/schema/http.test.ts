// HTTP bodies and query strings: snake_case wire names, defaults, exact refusals (including the session
// dependency graph), round trips, and JSON Schema generation for every body.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { decodeOr } from "../../../src/schema/errors.ts"
import {
  ActorsQuery,
  AgentHeartbeatBody,
  CancelTaskBody,
  CheckpointBody,
  CompleteTaskBody,
  ContextDiffQuery,
  CreateContextBody,
  CreateSessionBody,
  CreateTaskBody,
  CreateWorkflowBody,
  DecomposeBody,
  EventsSocketQuery,
  FailTaskBody,
  ListAgentsQuery,
  ListSessionsQuery,
  ListTasksQuery,
  MergeContextsBody,
  PatchContextBody,
  RegisterAgentBody,
  RouteAgentBody,
  TaskAgentBody,
  WaitQuery,
  decodeQuery,
} from "../../../src/schema/http.ts"
import { ID, message, requiredOf, value } from "./helpers.ts"

const task = (key: string, dependsOn?: string[]) => ({
  key,
  title: `do ${key}`,
  capability: "code",
  ...(dependsOn === undefined ? {} : { depends_on: dependsOn }),
})

describe("POST /agents", () => {
  it("decodes snake_case with defaults and encodes back", () => {
    const body = value(decodeOr(RegisterAgentBody, { name: "bot", capabilities: ["code", "test"] }))
    expect(body).toEqual({ name: "bot", capabilities: ["code", "test"], maxConcurrency: 1, heartbeatIntervalMs: 10_000 })
    const full = {
      name: "bot",
      capabilities: ["code"],
      type: "claude",
      max_concurrency: 4,
      metadata: { region: "eu" },
      heartbeat_interval_ms: 500,
    }
    expect(Schema.encodeSync(RegisterAgentBody)(value(decodeOr(RegisterAgentBody, full)))).toEqual(full)
  })

  it("refuses no capabilities and out-of-range concurrency", () => {
    expect(message(decodeOr(RegisterAgentBody, { name: "bot", capabilities: [] }))).toBe(
      "capabilities: expected a value with a length of at least 1, got []",
    )
    expect(message(decodeOr(RegisterAgentBody, { name: "bot", capabilities: ["code"], max_concurrency: 0 }))).toBe(
      "max_concurrency: expected a value between 1 and 1000, got 0",
    )
    expect(message(decodeOr(RegisterAgentBody, { capabilities: ["code"] }))).toBe("name: is missing")
  })

  it("heartbeat and route bodies", () => {
    expect(value(decodeOr(AgentHeartbeatBody, { load: 0.3, status: "degraded" }))).toEqual({ load: 0.3, status: "degraded" })
    expect(value(decodeOr(RouteAgentBody, { capabilities: ["code"] }))).toEqual({ capabilities: ["code"], exclude: [] })
    expect(message(decodeOr(RouteAgentBody, { capabilities: ["code"], exclude: ["b"] }))).toBe('exclude.0: expected a UUID, got "b"')
  })
})

describe("POST /sessions", () => {
  it("applies defaults to the session and each task", () => {
    const body = value(decodeOr(CreateSessionBody, { title: "release", tasks: [task("build"), task("test", ["build"])] }))
    expect(body).toEqual({
      title: "release",
      priority: 2,
      tasks: [
        { key: "build", title: "do build", capability: "code", dependsOn: [], payload: {}, timeoutS: 300, maxAttempts: 3, priority: 2 },
        {
          key: "test",
          title: "do test",
          capability: "code",
          dependsOn: ["build"],
          payload: {},
          timeoutS: 300,
          maxAttempts: 3,
          priority: 2,
        },
      ],
    })
    expect(value(decodeOr(CreateSessionBody, { title: "empty" })).tasks).toEqual([])
  })

  it("round-trips a full body", () => {
    const full = {
      title: "release",
      prompt: "ship it",
      type: "deploy",
      priority: 0,
      tasks: [
        { key: "a", title: "A", capability: "code", depends_on: [], payload: { x: 1 }, timeout_s: 60, max_attempts: 5, priority: 1 },
        { key: "b", title: "B", capability: "test", depends_on: ["a"], payload: null, timeout_s: 10, max_attempts: 1, priority: 4 },
      ],
    }
    expect(Schema.encodeSync(CreateSessionBody)(value(decodeOr(CreateSessionBody, full)))).toEqual(full)
  })

  it("refuses unknown depends_on keys, duplicate keys and cycles, naming the field", () => {
    expect(message(decodeOr(CreateSessionBody, { title: "s", tasks: [task("a"), task("b", ["a", "zz"])] }))).toBe(
      'tasks.1.depends_on.1: unknown task key "zz"',
    )
    expect(message(decodeOr(CreateSessionBody, { title: "s", tasks: [task("a"), task("b"), task("a")] }))).toBe(
      'tasks.2.key: duplicate task key "a"',
    )
    expect(message(decodeOr(CreateSessionBody, { title: "s", tasks: [task("a", ["c"]), task("b", ["a"]), task("c", ["b"])] }))).toBe(
      'tasks.0.depends_on: dependency cycle "a" -> "c" -> "b" -> "a"',
    )
    expect(message(decodeOr(CreateSessionBody, { title: "s", tasks: [task("x"), task("a", ["a"])] }))).toBe(
      'tasks.1.depends_on: dependency cycle "a" -> "a"',
    )
  })

  it("accepts a diamond", () => {
    const tasks = [task("a"), task("b", ["a"]), task("c", ["a"]), task("d", ["b", "c"])]
    expect(value(decodeOr(CreateSessionBody, { title: "s", tasks })).tasks).toHaveLength(4)
  })

  it("reports field errors inside tasks by wire name", () => {
    expect(message(decodeOr(CreateSessionBody, { title: "s", tasks: [{ ...task("a"), timeout_s: 0 }] }))).toBe(
      "tasks.0.timeout_s: expected a value between 1 and 3600, got 0",
    )
    expect(message(decodeOr(CreateSessionBody, { title: "s", priority: 9 }))).toBe("priority: expected a value between 0 and 4, got 9")
  })
})

describe("workflows, checkpoints and tasks", () => {
  it("needs at least one workflow step", () => {
    expect(value(decodeOr(CreateWorkflowBody, { name: "w", steps: [{ title: "one", capability: "code" }] })).steps).toEqual([
      { title: "one", capability: "code", payload: {}, timeoutS: 300, maxAttempts: 3, priority: 2 },
    ])
    expect(message(decodeOr(CreateWorkflowBody, { name: "w", steps: [] }))).toBe(
      "steps: expected a value with a length of at least 1, got []",
    )
  })

  it("needs checkpoint data", () => {
    expect(value(decodeOr(CheckpointBody, { data: { step: 3 } }))).toEqual({ data: { step: 3 } })
    expect(message(decodeOr(CheckpointBody, {}))).toBe("data: is missing")
  })

  it("creates a standalone task with session_id and task-id dependencies", () => {
    const body = value(decodeOr(CreateTaskBody, { session_id: ID.c, title: "t", capability: "code", depends_on: [ID.a] }))
    expect(body).toEqual({
      sessionId: ID.c,
      title: "t",
      capability: "code",
      dependsOn: [ID.a],
      payload: {},
      timeoutS: 300,
      maxAttempts: 3,
      priority: 2,
    })
    expect(message(decodeOr(CreateTaskBody, { title: "t", capability: "code", max_attempts: 50 }))).toBe(
      "max_attempts: expected a value between 1 and 20, got 50",
    )
  })

  it("decodes the lifecycle bodies", () => {
    expect(value(decodeOr(TaskAgentBody, { agent_id: ID.b }))).toEqual({ agentId: ID.b })
    expect(value(decodeOr(TaskAgentBody, {}))).toEqual({})
    expect(value(decodeOr(CompleteTaskBody, { agent_id: ID.b, result: [1, 2] }))).toEqual({ agentId: ID.b, result: [1, 2] })
    expect(value(decodeOr(FailTaskBody, { error: "oom" }))).toEqual({ error: "oom" })
    expect(value(decodeOr(CancelTaskBody, {}))).toEqual({ reason: "cancelled" })
    expect(value(decodeOr(CancelTaskBody, { reason: "not needed" }))).toEqual({ reason: "not needed" })
  })

  it("knows the decomposition templates", () => {
    expect(value(decodeOr(DecomposeBody, { template: "crud", max_depth: 2 }))).toEqual({ template: "crud", maxDepth: 2 })
    expect(message(decodeOr(DecomposeBody, { template: "blog" }))).toBe(
      'template: expected one of "microservice", "crud", "security", "ui_component", got "blog"',
    )
  })
})

describe("contexts", () => {
  it("creates with empty data by default, owned where its scope needs an owner", () => {
    expect(value(decodeOr(CreateContextBody, { scope: "global" }))).toEqual({ scope: "global", data: {} })
    expect(value(decodeOr(CreateContextBody, { scope: "agent", owner_id: ID.a }))).toEqual({ scope: "agent", ownerId: ID.a, data: {} })
    expect(message(decodeOr(CreateContextBody, { scope: "global", ttl_s: 5 }))).toBe("ttl_s: only a temporary context expires")
  })

  it("patches by dot path with an optional expected version", () => {
    const body = { set: { "a.b": 1, c: [true] }, unset: ["d.e"], expected_version: 4 }
    const decoded = value(decodeOr(PatchContextBody, body))
    expect(decoded).toEqual({ set: { "a.b": 1, c: [true] }, unset: ["d.e"], expectedVersion: 4 })
    expect(Schema.encodeSync(PatchContextBody)(decoded)).toEqual(body)
    expect(value(decodeOr(PatchContextBody, { set: {} })).unset).toEqual([])
  })

  it("refuses malformed dot paths instead of dropping them", () => {
    expect(message(decodeOr(PatchContextBody, { set: { "a.b": 1, "x..y": 2 } }))).toBe(
      'set.x..y: expected a dot path like a.b.c, of at most 16 segments, got "x..y"',
    )
    expect(message(decodeOr(PatchContextBody, { set: {}, unset: [".a"] }))).toBe(
      'unset.0: expected a dot path like a.b.c, of at most 16 segments, got ".a"',
    )
  })

  it("merges at least two contexts with a known strategy", () => {
    expect(value(decodeOr(MergeContextsBody, { ids: [ID.a, ID.b], strategy: "last_write_wins" })).ids).toEqual([ID.a, ID.b])
    expect(message(decodeOr(MergeContextsBody, { ids: [ID.a, ID.b], strategy: "merge" }))).toBe(
      'strategy: expected one of "last_write_wins", "fail_on_conflict", got "merge"',
    )
    expect(message(decodeOr(MergeContextsBody, { ids: [ID.a], strategy: "fail_on_conflict" }))).toBe(
      `ids: expected a value with a length of at least 2, got ["${ID.a}"]`,
    )
  })
})

describe("query strings", () => {
  it("paginates with limit 1..200, default 50, and an opaque cursor", () => {
    expect(value(decodeQuery(ListSessionsQuery, ""))).toEqual({ limit: 50 })
    expect(value(decodeQuery(ListSessionsQuery, "?limit=200&cursor=abc&status=running"))).toEqual({
      limit: 200,
      cursor: "abc",
      status: "running",
    })
    expect(message(decodeQuery(ListSessionsQuery, "limit=0"))).toBe("limit: expected a value between 1 and 200, got 0")
    expect(message(decodeQuery(ListSessionsQuery, "limit=201"))).toBe("limit: expected a value between 1 and 200, got 201")
    expect(message(decodeQuery(ListSessionsQuery, "limit=ten"))).toBe('limit: expected a whole number, got "ten"')
  })

  it("filters by wire names and treats empty values as absent", () => {
    expect(value(decodeQuery(ListTasksQuery, `status=ready&session_id=${ID.c}&agent_id=&capability=code`))).toEqual({
      status: "ready",
      sessionId: ID.c,
      capability: "code",
      limit: 50,
    })
    expect(message(decodeQuery(ListTasksQuery, "status=stuck"))).toMatch(/^status: expected one of "blocked", .*, got "stuck"$/)
    expect(value(decodeQuery(ListAgentsQuery, "status=online&capability=code"))).toEqual({
      status: "online",
      capability: "code",
      limit: 50,
    })
    expect(value(decodeQuery(ActorsQuery, "kind=task&state=assigned&older_than_s=300"))).toEqual({
      kind: "task",
      state: "assigned",
      olderThanS: 300,
      quarantined: false,
    })
    expect(value(decodeQuery(ActorsQuery, "quarantined=1"))).toEqual({ quarantined: true })
  })

  it("reads ?wait as a flag", () => {
    expect(value(decodeQuery(WaitQuery, "wait=1"))).toEqual({ wait: true })
    expect(value(decodeQuery(WaitQuery, "wait=false"))).toEqual({ wait: false })
    expect(value(decodeQuery(WaitQuery, ""))).toEqual({ wait: false })
    expect(message(decodeQuery(WaitQuery, "wait=yes"))).toBe('wait: expected one of "0", "1", "true", "false", got "yes"')
  })

  it("reads the diff versions and the event socket's topics and since", () => {
    expect(value(decodeQuery(ContextDiffQuery, "from=1&to=3"))).toEqual({ from: 1, to: 3 })
    expect(message(decodeQuery(ContextDiffQuery, "from=1"))).toBe("to: is missing")
    expect(value(decodeQuery(EventsSocketQuery, `topics=tasks,task:${ID.a}&since=1732185600000-3`))).toEqual({
      topics: ["tasks", `task:${ID.a}`],
      since: "1732185600000-3",
    })
    expect(value(decodeQuery(EventsSocketQuery, ""))).toEqual({ topics: [] })
    expect(message(decodeQuery(EventsSocketQuery, "topics=tasks,everything"))).toBe(
      'topics.1: expected a topic (sessions, session:<id>, tasks, task:<id>, agents, agent:<id>, contexts, context:<id>, machines, dead_letters or fleet), got "everything"',
    )
    expect(message(decodeQuery(EventsSocketQuery, "topics=tasks&since=yesterday"))).toBe(
      'since: expected a stream id like 1732185600000-3, got "yesterday"',
    )
  })
})

describe("JSON Schema", () => {
  it("is generated for every body and names its required wire fields", () => {
    const bodies: ReadonlyArray<readonly [Schema.Top, ReadonlyArray<string>]> = [
      [RegisterAgentBody, ["name", "capabilities"]],
      [AgentHeartbeatBody, []],
      [RouteAgentBody, ["capabilities"]],
      [CreateSessionBody, ["title"]],
      [CreateWorkflowBody, ["name", "steps"]],
      [CheckpointBody, ["data"]],
      [CreateTaskBody, ["title", "capability"]],
      [TaskAgentBody, []],
      [CompleteTaskBody, []],
      [FailTaskBody, []],
      [CancelTaskBody, []],
      [DecomposeBody, ["template"]],
      [CreateContextBody, ["scope"]],
      [PatchContextBody, ["set"]],
      [MergeContextsBody, ["ids", "strategy"]],
    ]
    for (const [body, required] of bodies) expect(requiredOf(body)).toEqual(required)
  })

  it("describes nested session tasks by wire name", () => {
    const doc = JSON.stringify(Schema.toJsonSchemaDocument(CreateSessionBody))
    for (const field of ["depends_on", "timeout_s", "max_attempts"]) expect(doc).toContain(`"${field}"`)
    expect(doc).not.toContain('"dependsOn"')
  })
})
