// Scale-out as docker-compose.yml runs it, as processes: two `clawbot runtime` and two `clawbot edge`
// on one Redis and Postgres. Bots register and connect through both edges, tasks are created
// through both, and every task completes with bots of both edges doing the work. Then one edge
// gets SIGTERM while work is in flight: its bots see their sockets closed with 1001 (going away),
// reconnect to the other edge, and finish everything; no DISCONNECT was recorded for them. A
// dashboard's event socket on that edge is closed with 1001 too.
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { unsettledInboxes } from "./audit.ts"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { EdgeProcess } from "./edge-process.ts"
import { RuntimeProcess } from "./runtime-process.ts"
import { SocketBot } from "./socket-bot.ts"
import { httpClient, type Client } from "../support/edge.ts"
import { waitFor } from "../support/runtime.ts"

const PARTITIONS = 8
const BOTS = 4
const CAPABILITY = "scale"
const TASKS_PER_ROUND = 40
const token = randomBytes(16).toString("hex")

let deployment: ChaosDeployment
const runtimes: RuntimeProcess[] = []
const edges: EdgeProcess[] = []
const bots: SocketBot[] = []

beforeAll(async () => {
  deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: 2_000 })
})

afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.stop()))
  await Promise.all([...edges.map((edge) => edge.stop()), ...runtimes.map((runtime) => runtime.stop())])
  await deployment?.close()
})

const completed = async (): Promise<number> =>
  (await deployment.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task' and state = 'completed'`)[0]?.n ?? 0

/** Creates `count` tasks in one batch; a 503 (nothing accepted: the edge ran out of its request time
 * on a machine under load) is sent again, as a client does. */
const createTasks = async (api: Client, round: string, count: number): Promise<void> => {
  const tasks = Array.from({ length: count }, (_, n) => ({ title: `${round} ${n}`, capability: CAPABILITY }))
  let created = await api.post("/api/v1/tasks/batch", { tasks })
  for (let again = 0; created.status === 503 && again < 3; again += 1) created = await api.post("/api/v1/tasks/batch", { tasks })
  expect(created.status).toBe(202)
}

describe("scale-out", () => {
  it("runs two runtimes and two edges with bots on both, and moves an edge's bots to the other when it stops", async () => {
    const env = { ...deployment.env, CLAWBOT_OPERATOR_TOKEN: token }
    for (const n of [1, 2]) {
      runtimes.push(new RuntimeProcess(`scale-runtime-${n}`, env))
      edges.push(new EdgeProcess(`scale-edge-${n}`, env))
    }
    const urls = await Promise.all(edges.map((edge) => edge.url))
    await Promise.all(runtimes.map((runtime) => runtime.started))
    const apis = urls.map((url) => httpClient(url, token))

    // Bots registered and connected through both edges.
    for (let n = 0; n < BOTS; n += 1) {
      const registered = await apis[n % 2]!.post("/api/v1/agents", { name: `bot-${n}`, capabilities: [CAPABILITY], max_concurrency: 4 })
      expect(registered.status).toBe(201)
      const bot = new SocketBot({
        id: registered.body.id,
        token: registered.body.token,
        edges: urls,
        first: n % 2,
        heartbeatEveryMs: 2_000,
      })
      bots.push(bot)
      await bot.connect()
    }
    await waitFor(
      "every bot online",
      async () => {
        const [row] = await deployment.sql<
          { n: number }[]
        >`select count(*)::int as n from actors where kind = 'agent' and state in ('online', 'busy')`
        return row?.n === BOTS ? true : undefined
      },
      30_000,
    )

    // Tasks created through both edges, done by bots of both.
    await Promise.all(apis.map((api, n) => createTasks(api, `first round, edge ${n}`, TASKS_PER_ROUND / 2)))
    await waitFor("the first round completed", async () => ((await completed()) === TASKS_PER_ROUND ? true : undefined), 60_000)
    const via = new Set(bots.flatMap((bot) => [...bot.completedVia.values()]))
    expect([...via].sort()).toEqual([0, 1])

    // The second edge stops while the second round is in flight; a dashboard watches through it.
    const movers = bots.filter((bot) => bot.edge === 1)
    const dashboard = new WebSocket(`${urls[1]!.replace(/^http/, "ws")}/ws/events?topics=tasks&token=${token}`)
    const dashboardClosed = new Promise<number>((resolve) => dashboard.once("close", resolve))
    await once(dashboard, "open")
    await createTasks(apis[0]!, "second round", TASKS_PER_ROUND)
    expect(await edges[1]!.stop()).toBe(0)
    expect(await dashboardClosed).toBe(1001)
    await waitFor("every task completed", async () => ((await completed()) === 2 * TASKS_PER_ROUND ? true : undefined), 60_000)
    // Each was told its edge goes away (1001) and is now on the other. A drop of a fresh socket (1006,
    // seen rarely under load and not explained yet: docs/edge.md) is followed by a reconnect to the same
    // edge, so it is allowed beside the 1001, never instead of it.
    expect(movers.map((bot) => ({ movedAway: bot.closes.includes(1001), edge: bot.edge }))).toEqual(
      movers.map(() => ({ movedAway: true, edge: 0 })),
    )
    expect(bots.flatMap((bot) => bot.closes).filter((code) => code !== 1001 && code !== 1006)).toEqual([])
    expect(bots.flatMap((bot) => bot.errors)).toEqual([])

    // Everything the stopped edge appended has been applied: no DISCONNECT among it.
    await waitFor(
      "inboxes drained",
      async () => ((await unsettledInboxes(deployment.redis, deployment.keys, PARTITIONS)).length === 0 ? true : undefined),
      20_000,
    )
    // A bot whose socket was dropped (1006) disconnected for real before it came back.
    const undropped = movers.filter((bot) => !bot.closes.includes(1006)).map((bot) => bot.id)
    const presence = await deployment.sql<{ event: string }[]>`
      select event from transitions where kind = 'agent' and actor_id = any(${undropped}) and event = 'DISCONNECT'`
    expect(presence).toEqual([])
    const states = await deployment.sql<{ state: string }[]>`select state from actors where kind = 'agent'`
    expect(states.map((row) => row.state).filter((state) => state === "offline")).toEqual([])
  }, 180_000)
})
