// The authorization matrix (issue 8, finding 7): every route and both socket upgrades, each called as
// six callers: no token, a random token, a viewer token, agent A on its own resources, agent A on agent
// B's, and the operator; the status each gets is asserted from the table below. Callers that pass the
// edge's checks get the route's own answer (201, 202, 200, or the machine's verdict: 409 for a command
// the resource's state refuses, 403 for agent A acting on B's task).
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testEdge, type TestEdge } from "../../support/edge.ts"
import { waitFor } from "../../support/runtime.ts"
import { upgradeStatus } from "./support.ts"

const CALLERS = ["none", "random", "viewer", "own", "others", "operator"] as const
type Caller = (typeof CALLERS)[number]
type Statuses = readonly [none: number, random: number, viewer: number, own: number, others: number, operator: number]

interface Agent {
  readonly id: string
  readonly token: string
  readonly capability: string
}

/** What one cell sends: the path (its ids filled in) and the body. */
interface Call {
  readonly path: string
  readonly body?: unknown
}

interface Row {
  readonly route: string
  readonly expected: Statuses
  /** The call for `caller`; `a` is agent A (the agent caller), `b` agent B; both may be fresh for the row. */
  readonly call: (caller: Caller, a: Agent, b: Agent) => Promise<Call>
  /** Fresh agents A and B for each cell (the call changes or removes them). */
  readonly fresh?: boolean
}

const READ: Statuses = [401, 401, 200, 403, 403, 200]
const PUBLIC: Statuses = [200, 200, 200, 200, 200, 200]
const OPERATOR = (ok: number): Statuses => [401, 401, 403, 403, 403, ok]
const SELF = (ok: number): Statuses => [401, 401, 403, ok, 403, ok]

describe("authorization matrix", () => {
  let t: TestEdge
  let viewer: string
  let shared: { a: Agent; b: Agent }
  let n = 0

  const tokenOf = (caller: Caller, a: Agent): string | null =>
    caller === "none"
      ? null
      : caller === "random"
        ? `random-${randomUUID()}`
        : caller === "viewer"
          ? viewer
          : caller === "operator"
            ? t.operatorToken
            : a.token

  const agent = async (): Promise<Agent> => {
    const capability = `m${(n += 1)}`
    // A long heartbeat interval: the shared agents' one heartbeat must keep them online through the whole file,
    // which a loaded machine can stretch past 3 × the default 10 s (their tasks would then never be assigned).
    const created = await t.api.post("/api/v1/agents", {
      name: `agent-${n}`,
      capabilities: [capability],
      max_concurrency: 20,
      heartbeat_interval_ms: 600_000,
    })
    expect(created.status).toBe(201)
    const online = await t.api.post(`/api/v1/agents/${created.body.id}/heartbeat?wait=1`, {}, { token: created.body.token })
    expect(online.status).toBe(200)
    return { id: created.body.id, token: created.body.token, capability }
  }
  const task = async (capability = "nobody"): Promise<string> => {
    const created = await t.api.post("/api/v1/tasks", { title: "matrix", capability })
    expect(created.status).toBe(201)
    return created.body.id
  }
  const taskIn = async (state: "assigned" | "in_progress", owner: Agent): Promise<string> => {
    const id = await task(owner.capability)
    await waitFor(`task ${id} assigned`, async () =>
      (await t.api.get(`/api/v1/tasks/${id}`)).body.status === "assigned" ? true : undefined,
    )
    if (state === "in_progress") expect((await t.api.post(`/api/v1/tasks/${id}/start?wait=1`, { agent_id: owner.id })).status).toBe(200)
    return id
  }
  const session = async (): Promise<string> => {
    const created = await t.api.post("/api/v1/sessions", { title: "matrix", tasks: [{ key: "k", title: "k", capability: "nobody" }] })
    expect(created.status).toBe(201)
    return created.body.id
  }
  /** The task of a new pending session, once it exists (it waits for its session: it can be decomposed). */
  const sessionTask = async (): Promise<string> => {
    const created = await t.api.post("/api/v1/sessions", { title: "matrix", tasks: [{ key: "k", title: "k", capability: "nobody" }] })
    const id = created.body.tasks[0].id as string
    await waitFor(`task ${id}`, async () => ((await t.api.get(`/api/v1/tasks/${id}`)).status === 200 ? true : undefined))
    return id
  }
  const context = async (): Promise<string> => (await t.api.post("/api/v1/contexts", { scope: "global", data: { a: 1 } })).body.id
  /** A task command: agent A on its own task, on B's, or the operator for A. */
  const taskCommand =
    (action: string, state: "assigned" | "in_progress", body: Record<string, unknown> = {}): Row["call"] =>
    async (caller, a, b) => {
      const id = await taskIn(state, caller === "others" ? b : a)
      return { path: `/api/v1/tasks/${id}/${action}`, body: caller === "operator" ? { ...body, agent_id: a.id } : body }
    }
  const onSession =
    (action: string, body?: unknown): Row["call"] =>
    async () => ({ path: `/api/v1/sessions/${await session()}/${action}`, body })
  const onAgent =
    (suffix: string, body?: unknown): Row["call"] =>
    async (caller, a, b) => ({ path: `/api/v1/agents/${caller === "others" ? b.id : a.id}${suffix}`, body })
  const fixed =
    (path: string, body?: unknown): Row["call"] =>
    async () => ({ path, body })

  const ROWS: readonly Row[] = [
    { route: "GET /health", expected: PUBLIC, call: fixed("/health") },
    { route: "GET /live", expected: PUBLIC, call: fixed("/live") },
    { route: "GET /ready", expected: PUBLIC, call: fixed("/ready") },
    { route: "GET /metrics", expected: PUBLIC, call: fixed("/metrics") },
    { route: "GET /", expected: PUBLIC, call: fixed("/") },
    {
      route: "GET /assets/{file}",
      expected: PUBLIC,
      call: async () => ({ path: /\/assets\/[^"]+\.js/.exec((await t.api.get("/")).body)![0] }),
    },
    { route: "GET /api/v1/openapi.json", expected: PUBLIC, call: fixed("/api/v1/openapi.json") },
    { route: "GET /api/v1/agents", expected: READ, call: fixed("/api/v1/agents") },
    { route: "POST /api/v1/agents/route", expected: READ, call: fixed("/api/v1/agents/route", { capabilities: ["x"] }) },
    { route: "GET /api/v1/agents/{id}", expected: [401, 401, 200, 200, 403, 200], call: onAgent("") },
    { route: "POST /api/v1/agents", expected: OPERATOR(201), call: fixed("/api/v1/agents", { name: "new", capabilities: ["x"] }) },
    { route: "DELETE /api/v1/agents/{id}", expected: SELF(202), call: onAgent(""), fresh: true },
    { route: "POST /api/v1/agents/{id}/heartbeat", expected: SELF(202), call: onAgent("/heartbeat", {}) },
    { route: "POST /api/v1/agents/{id}/token", expected: SELF(200), call: onAgent("/token"), fresh: true },
    { route: "POST /api/v1/agents/{id}/drain", expected: SELF(202), call: onAgent("/drain"), fresh: true },
    // An online agent is not draining: resume is refused by its machine once the caller may ask.
    { route: "POST /api/v1/agents/{id}/resume", expected: SELF(409), call: onAgent("/resume") },
    { route: "GET /api/v1/sessions", expected: READ, call: fixed("/api/v1/sessions") },
    { route: "POST /api/v1/sessions", expected: OPERATOR(201), call: fixed("/api/v1/sessions", { title: "s" }) },
    { route: "GET /api/v1/sessions/{id}", expected: READ, call: async () => ({ path: `/api/v1/sessions/${await session()}` }) },
    {
      route: "GET /api/v1/sessions/{id}/timeline",
      expected: READ,
      call: async () => ({ path: `/api/v1/sessions/${await session()}/timeline` }),
    },
    { route: "POST /api/v1/sessions/{id}/start", expected: OPERATOR(202), call: onSession("start") },
    { route: "POST /api/v1/sessions/{id}/pause", expected: OPERATOR(409), call: onSession("pause") },
    { route: "POST /api/v1/sessions/{id}/resume", expected: OPERATOR(409), call: onSession("resume") },
    { route: "POST /api/v1/sessions/{id}/stop", expected: OPERATOR(409), call: onSession("stop") },
    { route: "POST /api/v1/sessions/{id}/cancel", expected: OPERATOR(202), call: onSession("cancel") },
    { route: "POST /api/v1/sessions/{id}/retry", expected: OPERATOR(409), call: onSession("retry") },
    { route: "POST /api/v1/sessions/{id}/checkpoints", expected: OPERATOR(201), call: onSession("checkpoints", { data: { at: 1 } }) },
    { route: "GET /api/v1/tasks", expected: READ, call: fixed("/api/v1/tasks") },
    { route: "POST /api/v1/tasks", expected: OPERATOR(201), call: fixed("/api/v1/tasks", { title: "t", capability: "nobody" }) },
    {
      route: "POST /api/v1/tasks/batch",
      expected: OPERATOR(202),
      call: fixed("/api/v1/tasks/batch", { tasks: [{ title: "t", capability: "nobody" }] }),
    },
    { route: "GET /api/v1/tasks/{id}", expected: READ, call: async () => ({ path: `/api/v1/tasks/${await task()}` }) },
    { route: "POST /api/v1/tasks/{id}/claim", expected: [401, 401, 403, 202, 403, 202], call: taskCommand("claim", "assigned") },
    { route: "POST /api/v1/tasks/{id}/start", expected: [401, 401, 403, 202, 403, 202], call: taskCommand("start", "assigned") },
    { route: "POST /api/v1/tasks/{id}/complete", expected: [401, 401, 403, 202, 403, 202], call: taskCommand("complete", "in_progress") },
    { route: "POST /api/v1/tasks/{id}/fail", expected: [401, 401, 403, 202, 403, 202], call: taskCommand("fail", "in_progress") },
    {
      route: "POST /api/v1/tasks/{id}/progress",
      expected: [401, 401, 403, 202, 403, 202],
      call: taskCommand("progress", "in_progress", { progress: 0.5 }),
      fresh: true,
    },
    {
      route: "POST /api/v1/tasks/{id}/approve",
      expected: OPERATOR(202),
      call: async () => ({
        path: `/api/v1/tasks/${(await t.api.post("/api/v1/tasks", { title: "a", capability: "nobody", requires_approval: true })).body.id}/approve`,
      }),
    },
    {
      route: "POST /api/v1/tasks/{id}/reject",
      expected: OPERATOR(202),
      call: async () => ({
        path: `/api/v1/tasks/${(await t.api.post("/api/v1/tasks", { title: "r", capability: "nobody", requires_approval: true })).body.id}/reject`,
        body: {},
      }),
    },
    {
      route: "POST /api/v1/tasks/{id}/cancel",
      expected: OPERATOR(202),
      call: async () => ({ path: `/api/v1/tasks/${await task()}/cancel`, body: {} }),
    },
    {
      route: "POST /api/v1/workflows",
      expected: OPERATOR(201),
      call: fixed("/api/v1/workflows", { name: "w", steps: [{ title: "s", capability: "nobody" }] }),
    },
    { route: "DELETE /api/v1/sessions/{id}", expected: OPERATOR(202), call: async () => ({ path: `/api/v1/sessions/${await session()}` }) },
    {
      route: "POST /api/v1/tasks/{id}/decompose",
      expected: OPERATOR(201),
      call: async () => ({ path: `/api/v1/tasks/${await sessionTask()}/decompose`, body: { template: "crud" } }),
    },
    {
      route: "GET /api/v1/tasks/{id}/dependencies",
      expected: READ,
      call: async () => ({ path: `/api/v1/tasks/${await task()}/dependencies` }),
    },
    { route: "POST /api/v1/contexts", expected: OPERATOR(201), call: fixed("/api/v1/contexts", { scope: "global" }) },
    { route: "GET /api/v1/contexts/{id}", expected: READ, call: async () => ({ path: `/api/v1/contexts/${await context()}` }) },
    {
      route: "PATCH /api/v1/contexts/{id}",
      expected: OPERATOR(200),
      call: async () => ({ path: `/api/v1/contexts/${await context()}`, body: { set: { b: 2 } } }),
    },
    {
      route: "POST /api/v1/contexts/{id}/share",
      expected: OPERATOR(200),
      call: async () => ({ path: `/api/v1/contexts/${await context()}/share`, body: { session_id: await session() } }),
    },
    {
      route: "GET /api/v1/contexts/{id}/history",
      expected: READ,
      call: async () => ({ path: `/api/v1/contexts/${await context()}/history` }),
    },
    {
      route: "GET /api/v1/contexts/{id}/diff",
      expected: READ,
      call: async () => ({ path: `/api/v1/contexts/${await context()}/diff?from=1&to=1` }),
    },
    {
      route: "POST /api/v1/contexts/merge",
      expected: OPERATOR(201),
      call: async () => ({
        path: "/api/v1/contexts/merge",
        body: { ids: [await context(), await context()], strategy: "last_write_wins" },
      }),
    },
    { route: "PUT /api/v1/groups/{key}", expected: OPERATOR(200), call: fixed("/api/v1/groups/matrix", { max_in_flight: 5 }) },
    { route: "GET /api/v1/groups", expected: READ, call: fixed("/api/v1/groups") },
    { route: "GET /api/v1/groups/{key}", expected: READ, call: fixed("/api/v1/groups/matrix") },
    { route: "GET /api/v1/machines", expected: READ, call: fixed("/api/v1/machines") },
    { route: "GET /api/v1/machines/{kind}", expected: READ, call: fixed("/api/v1/machines/task") },
    { route: "GET /api/v1/actors", expected: READ, call: fixed("/api/v1/actors") },
    { route: "GET /api/v1/actors/counts", expected: READ, call: fixed("/api/v1/actors/counts") },
    { route: "GET /api/v1/actors/{kind}/{id}", expected: READ, call: async () => ({ path: `/api/v1/actors/task/${await task()}` }) },
    {
      route: "GET /api/v1/actors/{kind}/{id}/history",
      expected: READ,
      call: async () => ({ path: `/api/v1/actors/task/${await task()}/history` }),
    },
    {
      route: "POST /api/v1/actors/{kind}/{id}/events",
      expected: OPERATOR(202),
      call: async () => ({ path: `/api/v1/actors/task/${await task()}/events`, body: { type: "CANCEL", payload: { reason: "matrix" } } }),
    },
    { route: "GET /api/v1/dead-letters", expected: OPERATOR(200), call: fixed("/api/v1/dead-letters") },
    { route: "GET /api/v1/dead-letters/{id}", expected: OPERATOR(404), call: fixed("/api/v1/dead-letters/0:1-0") },
    { route: "DELETE /api/v1/dead-letters/{id}", expected: OPERATOR(404), call: fixed("/api/v1/dead-letters/0:1-0") },
    { route: "POST /api/v1/dead-letters/{id}/replay", expected: OPERATOR(404), call: fixed("/api/v1/dead-letters/0:1-0/replay", {}) },
    { route: "POST /api/v1/viewer-tokens", expected: OPERATOR(201), call: fixed("/api/v1/viewer-tokens", {}) },
    {
      route: "DELETE /api/v1/viewer-tokens/{id}",
      expected: OPERATOR(200),
      call: async () => ({ path: `/api/v1/viewer-tokens/${(await t.api.post("/api/v1/viewer-tokens", {})).body.id}` }),
    },
  ]

  beforeAll(async () => {
    t = await testEdge({ limits: { perTokenPerSecond: 100_000 } })
    viewer = (await t.api.post("/api/v1/viewer-tokens", { name: "matrix" })).body.token
    shared = { a: await agent(), b: await agent() }
  })
  afterAll(async () => {
    await t?.close()
  })

  it("covers every route the edge serves", async () => {
    const document = (await t.api.get("/api/v1/openapi.json")).body as { paths: Record<string, Record<string, unknown>> }
    const served = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(ROWS.map((row) => row.route).sort()).toEqual(served.sort())
  })

  for (const row of ROWS) {
    it(`${row.route}: ${row.expected.join(" ")}`, async () => {
      const method = row.route.split(" ")[0] ?? ""
      const got: number[] = []
      for (const caller of CALLERS) {
        const { a, b } = row.fresh ? { a: await agent(), b: await agent() } : shared
        const { path, body } = await row.call(caller, a, b)
        const answer = await t.api.request(method, path, { token: tokenOf(caller, a), ...(body === undefined ? {} : { body }) })
        got.push(answer.status)
      }
      expect(got).toEqual([...row.expected])
    }, 60_000)
  }

  // The control socket is an agent's own (agent A's token opens agent A's socket: "on B's" is the same call).
  const SOCKETS: ReadonlyArray<readonly [path: string, expected: Statuses]> = [
    ["/ws/control", [401, 401, 401, 101, 101, 401]],
    ["/ws/events?topics=agents", [401, 401, 101, 403, 403, 101]],
  ]
  for (const [path, expected] of SOCKETS) {
    it(`upgrade ${path}: ${expected.join(" ")}`, async () => {
      const got: number[] = []
      for (const caller of CALLERS) {
        const token = tokenOf(caller, shared.a)
        const separator = path.includes("?") ? "&" : "?"
        got.push(await upgradeStatus(`ws://127.0.0.1:${t.edge.port}${path}${token === null ? "" : `${separator}token=${token}`}`))
      }
      expect(got).toEqual([...expected])
    })
  }
})
