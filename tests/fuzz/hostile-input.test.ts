// Fuzzing every boundary at once, against an in-process edge and runtime on real Redis and Postgres:
// poison and random HTTP bodies, frames on both sockets and raw inbox entries (FUZZ_N inputs, seeded
// by FUZZ_SEED so a run repeats), while a well-behaved bot works through a valid workload. It asserts
// that every input got a defined answer (a status, an error frame, or a close code), that the
// process stays up and its memory bounded, that nothing invalid was stored (the poisoned raw entries
// end as dead letters), and that the workload completed every task. It prints the counts.
import { randomUUID } from "node:crypto"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { partitionOf } from "../../src/redis/partition.ts"
import { MAX_ENTRY_PAYLOAD_BYTES } from "../../src/schema/commands.ts"
import { ofType, openAnswering, TestClient, type Frame } from "../e2e/sockets/conformance/raw-client.ts"
import { testEdge, type TestEdge } from "../support/edge.ts"
import { waitFor } from "../support/runtime.ts"
import { fill, INTEGER_POISONS, integer, pick, POISONS, randomBytes, randomText, seeded, slot, type Poison, type Random } from "./inputs.ts"
import { startWorker, type Worker } from "./worker.ts"

const N = Number(process.env.FUZZ_N ?? 2000)
const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const WORKLOAD = Math.min(200, Math.max(20, Math.floor(N / 10)))
const MAX_BYTES = 64 * 1024
/** After a full garbage collection, memory may grow by this much over the run (caches, the runtime's actors), not with N. */
const HEAP_GROWTH_BOUND = 64 * 1024 * 1024
const RSS_GROWTH_BOUND = 512 * 1024 * 1024
/** A frame unanswered this long fails the run rather than holding it until its timeout (hours at large FUZZ_N). */
const ANSWER_MS = 30_000

setFlagsFromString("--expose-gc")
const collectGarbage = runInNewContext("gc") as () => void

/** Heap and RSS after a full collection, so what is measured is what is kept, not what is still to collect. */
const memory = () => {
  collectGarbage()
  const { heapUsed, rss, external } = process.memoryUsage()
  return { heapUsed, rss, external }
}

const counts = new Map<string, number>()
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

let edge: TestEdge
let worker: Worker
let workerAgentId: string
let random: Random
beforeAll(async () => {
  edge = await testEdge({
    partitions: 4,
    limits: { maxPayloadBytes: MAX_BYTES, perConnectionPerSecond: 1_000_000, perTokenPerSecond: 1_000_000 },
  })
  random = seeded(SEED)
  const agent = await edge.api.post("/api/v1/agents", { name: "worker", capabilities: ["fuzz-work"], max_concurrency: 4 })
  workerAgentId = (agent.body as { id: string }).id
  worker = await startWorker(edge.url, (agent.body as { token: string }).token)
}, 60_000)
afterAll(async () => {
  await worker?.close()
  await edge?.close()
})

/** A poison for a slot; integer slots also take unsafe integers. */
const poison = (integerSlot = false): Poison => pick(random, integerSlot ? [...POISONS, ...INTEGER_POISONS] : POISONS)

// ---- HTTP ----

const httpBodies: ReadonlyArray<() => { path: string; body: string; kind: string }> = [
  () => {
    const p = poison()
    return { path: "/api/v1/tasks", body: fill({ title: slot, capability: "fuzz-poison" }, p), kind: p.kind }
  },
  () => {
    const p = poison()
    return { path: "/api/v1/tasks", body: fill({ title: "t", capability: "fuzz-poison", payload: { data: slot } }, p), kind: p.kind }
  },
  () => {
    const p = poison(true)
    return { path: "/api/v1/tasks", body: fill({ title: "t", capability: "fuzz-poison", timeout_s: slot }, p), kind: p.kind }
  },
  () => {
    const p = poison()
    return {
      path: "/api/v1/sessions",
      body: fill({ title: "s", tasks: [{ key: "a", title: "a", capability: "fuzz-poison", payload: slot }] }, p),
      kind: p.kind,
    }
  },
  () => {
    const p = poison()
    return { path: "/api/v1/agents", body: fill({ name: "n", capabilities: ["fuzz-poison"], metadata: { note: slot } }, p), kind: p.kind }
  },
  () => ({
    path: "/api/v1/tasks",
    body: JSON.stringify({ title: "t", capability: "fuzz-poison", pick: "unknown", timeout: 30 }),
    kind: "unknown_field",
  }),
  () => ({ path: "/api/v1/tasks", body: JSON.stringify({ title: "t", capability: "fuzz-poison", timeoutS: 30 }), kind: "camel_case" }),
  () => ({
    path: pick(random, ["/api/v1/tasks", "/api/v1/sessions", "/api/v1/agents"]),
    body: `{${randomText(random, 200)}`,
    kind: "garbage",
  }),
]

/** A body that would be valid but for bytes that are not UTF-8 (sent as bytes: the client must not re-encode them). */
async function fuzzHttpBytes(): Promise<void> {
  const bytes = Buffer.concat([
    Buffer.from('{"title":"a'),
    randomBytes(random, 8),
    Buffer.from([0xff]),
    Buffer.from('b","capability":"fuzz-poison"}'),
  ])
  const response = await fetch(`${edge.url}/api/v1/tasks`, {
    method: "POST",
    body: bytes,
    headers: { authorization: `Bearer ${edge.operatorToken}`, "content-type": "application/json" },
  })
  const body = (await response.json()) as { error?: { code?: string } }
  count("http not_utf8")
  count(`answer http ${response.status}`)
  expect({ status: response.status, code: body.error?.code }).toEqual({ status: 400, code: "validation_failed" })
}

async function fuzzHttp(): Promise<void> {
  if (random() < 0.1) return fuzzHttpBytes()
  const huge = random() < 0.03
  const { path, body, kind } = huge
    ? { path: "/api/v1/tasks", body: JSON.stringify({ title: "x".repeat(MAX_BYTES), capability: "fuzz-poison" }), kind: "huge_string" }
    : pick(random, httpBodies)()
  const answer = await edge.api.request("POST", path, { text: body, headers: { "content-type": "application/json" } })
  count(`http ${kind}`)
  count(`answer http ${answer.status}`)
  const expected = huge ? { status: 413, code: "payload_too_large" } : { status: 400, code: "validation_failed" }
  expect({ kind, status: answer.status, code: answer.body?.error?.code }).toEqual({ kind, ...expected })
}

// ---- sockets ----

const controlFrames: ReadonlyArray<(id: string) => { text: string; kind: string }> = [
  (id) => {
    const p = poison()
    return { text: fill({ type: "task_complete", id, payload: { task_id: randomUUID(), success: true, result: slot } }, p), kind: p.kind }
  },
  (id) => {
    const p = poison()
    return { text: fill({ type: "task_progress", id, payload: { task_id: randomUUID(), progress: 0.5, message: slot } }, p), kind: p.kind }
  },
  (id) => {
    const p = poison()
    return { text: fill({ type: "heartbeat", id, payload: { load: slot } }, p), kind: p.kind }
  },
  (id) => {
    const p = poison(true)
    return { text: fill({ type: "claim_task", id, payload: { task_id: randomUUID(), attempt: slot } }, p), kind: p.kind }
  },
  (id) => ({ text: JSON.stringify({ type: "heartbeat", id, payload: { status: "healthy", stauts: "busy" } }), kind: "unknown_field" }),
  (id) => ({ text: JSON.stringify({ type: "claim_task", id, payload: { taskId: randomUUID() } }), kind: "camel_case" }),
  (id) => ({
    text: JSON.stringify({
      type: "task_progress",
      id,
      payload: { task_id: randomUUID(), progress: 0.1, message: "m".repeat(1025 + integer(random, 10_000)) },
    }),
    kind: "long_message",
  }),
  (id) => ({ text: JSON.stringify({ type: pick(random, ["self_destruct", "", "TASK_COMPLETE"]), id, payload: {} }), kind: "unknown_type" }),
]

const eventFrames: ReadonlyArray<(id: string) => { text: string; kind: string }> = [
  (id) => {
    const p = poison()
    return { text: fill({ type: "subscribe", id, payload: { topics: slot } }, p), kind: p.kind }
  },
  (id) => {
    const p = poison()
    return { text: fill({ type: "unsubscribe", id, payload: { topics: ["tasks", slot] } }, p), kind: p.kind }
  },
  (id) => ({ text: JSON.stringify({ type: "subscribe", id, payload: { topics: ["tasks"], since: "0-0" } }), kind: "unknown_field" }),
]

interface Channel {
  client: TestClient
  readonly path: string
  readonly frames: ReadonlyArray<(id: string) => { text: string; kind: string }>
}

let sequence = 0

/** Sends one hostile frame on `channel` and checks its answer: an error frame (with the frame's ref when it had an id). */
async function fuzzFrame(channel: Channel, name: string): Promise<void> {
  const from = channel.client.frames.length
  const roll = random()
  if (roll < 0.15) {
    // Random bytes as a binary frame (the edge checks their UTF-8), or random text: no usable id.
    const binary = roll < 0.08
    if (binary) channel.client.ws.send(randomBytes(random, 300), { binary: true })
    else channel.client.send(randomText(random, 300))
    count(`${name} ${binary ? "random_bytes" : "random_text"}`)
    const error = await channel.client.next(ofType("error"), { from, timeoutMs: ANSWER_MS })
    count(`answer ${name} ${String(error.payload["code"])}`)
    expect(error.payload["code"]).toBe("validation_failed")
    return
  }
  sequence += 1
  const id = `f-${sequence}`
  const { text, kind } = pick(random, channel.frames)(id)
  channel.client.send(text)
  count(`${name} ${kind}`)
  const error = await channel.client
    .next((frame: Frame) => frame.type === "error" && frame.payload["ref"] === id, { from, timeoutMs: ANSWER_MS })
    .catch((cause: unknown) => {
      throw new Error(`${name} ${kind} frame ${text.slice(0, 120)} got no answer`, { cause })
    })
  count(`answer ${name} ${String(error.payload["code"])}`)
  expect({ kind, code: error.payload["code"] }).toEqual({ kind, code: "validation_failed" })
}

/**
 * On a socket of its own: a frame over the limit, answered by a close (1009), or a text frame that is
 * not UTF-8, answered `validation_failed` with the socket kept (the front door passes text frames on to
 * uWS as binary, so uWS does not drop the connection itself; docs/edge.md, Socket quotas).
 */
async function fuzzClose(control: string, name: string): Promise<void> {
  const client = await TestClient.open(control)
  const oversize = random() < 0.5
  if (oversize) client.send({ type: "heartbeat", id: "big", payload: { padding: "x".repeat(MAX_BYTES + integer(random, MAX_BYTES)) } })
  else
    client.ws.send(
      Buffer.concat([
        Buffer.from('{"type":"heartbeat","payload":{"status":"'),
        randomBytes(random, 20),
        Buffer.from([0xff]),
        Buffer.from('"}}'),
      ]),
      { binary: false },
    )
  count(`${name} ${oversize ? "oversize" : "text_not_utf8"}`)
  if (!oversize) {
    const error = await client.next(ofType("error"), { timeoutMs: ANSWER_MS }).catch(async (cause: unknown) => {
      // uWS's async-upgrade cork bug (uNetworking/uWebSockets#1928, docs/edge.md): about 1 in 1,000 fresh
      // sockets drops (1006) right after `connected`, before any frame of the client is read. Counted
      // apart, as the oversize drops below; any other missing answer fails.
      const { code } = await client.closed
      if (code !== 1006 || client.frames.length !== 1) throw cause
      count("fresh socket dropped after connected (known uWS race)")
      return undefined
    })
    if (error === undefined) return
    count(`answer ${name} text_not_utf8 ${String(error.payload["code"])}`)
    expect(error.payload).toEqual({ code: "validation_failed", message: "body: invalid UTF-8" })
    await client.close()
    return
  }
  const { code } = await client.closed
  count(`close ${name} ${code}`)
  const errors = client.frames.filter(ofType("error")).map((frame) => frame.payload["code"])
  if (code === 1006) {
    // Known, and older than this suite (docs/edge.md): about 1 in 150 large frames, the connection
    // drops before the frame is read. Counted apart, never answered otherwise.
    expect(errors).toEqual([])
    count("oversize dropped before read (known uWS race)")
  } else {
    expect({ code, errors }).toEqual({ code: 1009, errors: ["payload_too_large"] })
  }
}

// ---- raw inbox entries ----

/** Poisoned raw entries: each creates a task that must never exist; their stream ids by partition. */
const rawSources = new Map<number, string[]>()
const poisonedIds: string[] = []

async function fuzzRaw(): Promise<void> {
  const id = randomUUID()
  const create = { id, title: "raw", capability: "fuzz-poison", depends_on: [], blocked: false }
  const variants: ReadonlyArray<() => { payload: string; kind: string }> = [
    () => {
      const p = poison()
      return { payload: fill({ ...create, title: slot }, p), kind: p.kind }
    },
    () => {
      const p = poison()
      return { payload: fill({ ...create, payload: slot }, p), kind: p.kind }
    },
    () => {
      const p = poison(true)
      return { payload: fill({ ...create, timeout_s: slot }, p), kind: p.kind }
    },
    () => ({ payload: JSON.stringify({ ...create, timeout: 30 }), kind: "unknown_field" }),
    () => ({ payload: JSON.stringify({ id, title: "raw", capability: "fuzz-poison", dependsOn: [], blocked: false }), kind: "camel_case" }),
  ]
  // An entry over the limit (2 MiB) stays in the dead-letter stream, payload and all: rare, so the shared Redis holds
  // hundreds of MB, not GBs.
  const huge = () => ({ payload: JSON.stringify({ ...create, title: "x".repeat(MAX_ENTRY_PAYLOAD_BYTES) }), kind: "huge_string" })
  const { payload, kind } = random() < 0.015 ? huge() : pick(random, variants)()
  const partition = partitionOf("task", id, edge.deployment.partitions)
  const source = (await edge.deployment.redis.xadd(
    edge.deployment.keys.partition(partition).inbox,
    "*",
    "type",
    "CREATE",
    "actor",
    `task:${id}`,
    "payload",
    payload,
  )) as string
  rawSources.set(partition, [...(rawSources.get(partition) ?? []), source])
  poisonedIds.push(id)
  count(`raw ${kind}`)
}

/** The fields of a partition's dead letters, a page at a time: the stream holds every poisoned entry's payload (some 2 MiB). */
async function* deadLetterFields(partition: number): AsyncGenerator<string[]> {
  const stream = edge.deployment.keys.partition(partition).dead
  for (let from = "-"; ; ) {
    const page = await edge.deployment.redis.xrange(stream, from, "+", "COUNT", 50)
    for (const [, fields] of page) yield fields
    const last = page.at(-1)
    if (page.length < 50 || last === undefined) return
    from = `(${last[0]}`
  }
}

// ---- the run ----

const rows = (query: Promise<ReadonlyArray<{ count: string | number }>>) => query.then(([row]) => Number(row?.count ?? 0))

describe(`fuzzing every boundary (FUZZ_N=${N}, FUZZ_SEED=${SEED})`, () => {
  it(
    "answers every input, stores nothing invalid, stays up, and completes the valid workload alongside",
    async () => {
      const base = edge.url.replace(/^http/, "ws")
      // What is stored before this run (a retry finds the first attempt's rows): only this run's are counted.
      const storedBefore = (kind: string) => rows(edge.deployment.schema.sql`select count(*) from actors where kind = ${kind}`)
      await waitFor("the worker's agent stored", async () =>
        (await rows(edge.deployment.schema.sql`select count(*) from actors where id = ${workerAgentId}`)) === 1 ? true : undefined,
      )
      const [tasksBefore, sessionsBefore, agentsBefore] = [
        await storedBefore("task"),
        await storedBefore("session"),
        await storedBefore("agent"),
      ]
      const fuzzAgent = await edge.api.post("/api/v1/agents", { name: "fuzzer", capabilities: ["fuzz-nothing"] })
      const controlUrl = `${base}/ws/control?token=${(fuzzAgent.body as { token: string }).token}`
      // The sockets closed on purpose belong to an agent of their own (a second socket of one agent replaces the first).
      const closer = await edge.api.post("/api/v1/agents", { name: "closer", capabilities: ["fuzz-nothing"] })
      const closerUrl = `${base}/ws/control?token=${(closer.body as { token: string }).token}`
      // The two long-lived sockets answered a round trip first: uWS's fresh-socket drop (counted apart for the
      // sockets opened per input below) would otherwise leave the run's first frame unanswered.
      const control: Channel = { client: await openAnswering(controlUrl), path: controlUrl, frames: controlFrames }
      const eventsUrl = `${base}/ws/events?token=${edge.operatorToken}`
      const events: Channel = { client: await openAnswering(eventsUrl), path: eventsUrl, frames: eventFrames }
      const before = memory()
      const workload: string[] = []
      const workEvery = Math.max(1, Math.floor(N / WORKLOAD))

      for (let i = 0; i < N; i += 1) {
        if (i % workEvery === 0 && workload.length < WORKLOAD) {
          const created = await edge.api.post("/api/v1/tasks", { title: `work ${workload.length}`, capability: "fuzz-work" })
          expect(created.status).toBe(201)
          workload.push((created.body as { id: string }).id)
        }
        const roll = random()
        if (roll < 0.3) await fuzzHttp()
        else if (roll < 0.6) await fuzzFrame(control, "control")
        else if (roll < 0.75) await fuzzFrame(events, "events")
        else if (roll < 0.95) await fuzzRaw()
        else await fuzzClose(pick(random, [closerUrl, eventsUrl]), "socket")
        if (i % 100 === 0) expect((await edge.api.get("/health")).status).toBe(200)
      }
      while (workload.length < WORKLOAD)
        workload.push((await edge.api.post("/api/v1/tasks", { title: "work", capability: "fuzz-work" })).body.id)

      // The valid workload completed, without a single error.
      const { sql } = edge.deployment.schema
      await waitFor("the workload", async () => (workload.every((id) => worker.completed.has(id)) ? true : undefined), 120_000).catch(
        async (error: unknown) => {
          const states = await sql`select state, count(*) from actors where kind = 'task' group by state`
          throw new Error(
            `${String(error)}: ${worker.completed.size} of ${workload.length} completed; tasks by state ${JSON.stringify(states)}; worker errors ${JSON.stringify(worker.errors.slice(0, 3))}`,
          )
        },
      )
      expect(worker.errors).toEqual([])
      // Memory is measured now, before the checks below read the dead letters back: they hold every
      // poisoned entry's payload (some of 2 MiB), and reading them is the test's memory, not the edge's.
      const after = memory()

      // Every poisoned raw entry is a dead letter, none was stored.
      const expected = [...rawSources.values()].flat().sort()
      const lettered = await waitFor(
        "the dead letters",
        async () => {
          const sources: string[] = []
          for (const partition of rawSources.keys()) {
            for await (const fields of deadLetterFields(partition)) sources.push(String(fields[fields.indexOf("source") + 1]))
          }
          return sources.length >= expected.length ? sources.sort() : undefined
        },
        60_000,
      )
      expect(lettered).toEqual(expected)
      expect(await rows(sql`select count(*) from actors where id = any(${poisonedIds}::text[])`)).toBe(0)

      // Nothing a hostile input carried was stored: only the workload's tasks and the run's two agents are new.
      expect(await rows(sql`select count(*) from actors where kind = 'task'`)).toBe(tasksBefore + workload.length)
      expect(await rows(sql`select count(*) from actors where kind = 'session'`)).toBe(sessionsBefore)
      expect(await rows(sql`select count(*) from actors where kind = 'agent'`)).toBe(agentsBefore + 2)
      expect(control.client.frames.filter(ofType("ack"))).toEqual([])

      // uWS's fresh-socket drop stays the rare race it is (about 1 in 1,000 connects), not an answer.
      const dropped = counts.get("fresh socket dropped after connected (known uWS race)") ?? 0
      expect(dropped).toBeLessThanOrEqual(Math.max(3, (counts.get("socket text_not_utf8") ?? 0) / 100))

      // Up, ready, and within its memory bound.
      expect((await edge.api.get("/health")).status).toBe(200)
      const [heapGrowth, rssGrowth] = [after.heapUsed - before.heapUsed, after.rss - before.rss]
      const lines = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `  ${key}: ${value}`)
      const summary = `${N} inputs, 0 crashes, ${workload.length} workload tasks completed, ${lettered.length} dead letters, 0 invalid writes, heap +${Math.round(heapGrowth / 1024 / 1024)} MB, external +${Math.round((after.external - before.external) / 1024 / 1024)} MB, RSS ${Math.round(before.rss / 1024 / 1024)} → ${Math.round(after.rss / 1024 / 1024)} MB (+${Math.round(rssGrowth / 1024 / 1024)} MB)`
      console.log(`fuzz (seed ${SEED}): ${summary}\n${lines.join("\n")}`)
      expect(heapGrowth).toBeLessThan(HEAP_GROWTH_BOUND)
      expect(rssGrowth).toBeLessThan(RSS_GROWTH_BOUND)
      await Promise.all([control.client.close(), events.client.close()])
    },
    Math.max(600_000, N * 100),
  )
})
