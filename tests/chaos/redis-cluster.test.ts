// Redis Cluster: a real three-master cluster started by the test; two `clawbot runtime` processes
// pointed at it (CLAWBOT_REDIS_CLUSTER=true, REDIS_URL = its seed nodes) run a workload of
// standalone tasks and session DAGs, answered by a bot fleet, to completion, every lifecycle once.
// The partitions' keys are spread over the nodes (each script keeps to one partition's hash slot).
// An edge on the cluster answers commands through its reply stream and replays and streams events.
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { close, openRedis } from "../../src/redis/client.ts"
import { audit, unsettledInboxes } from "./audit.ts"
import { BotFleet } from "./bot-fleet.ts"
import { EdgeProcess } from "./edge-process.ts"
import { chaosDeployment, type ChaosDeployment } from "./deployment.ts"
import { waitForTakeover } from "./leases.ts"
import { RuntimeProcess } from "./runtime-process.ts"
import { Workload } from "./workload.ts"
import { httpClient } from "../support/edge.ts"
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.ts"
import { waitFor } from "../support/runtime.ts"

const PARTITIONS = 8
const FLEET = { agents: 3, maxConcurrency: 8, capability: "cluster", heartbeatEveryMs: 1_000, redriveAfterMs: 3_000 }

let cluster: RedisCluster | undefined
let deployment: ChaosDeployment | undefined
let fleet: BotFleet | undefined
let workload: Workload | undefined
const processes: RuntimeProcess[] = []
const edges: EdgeProcess[] = []
const token = randomBytes(16).toString("hex")

beforeAll(async () => {
  cluster = await startRedisCluster()
  deployment = await chaosDeployment({ partitions: PARTITIONS, leaseTtlMs: 2_000, clusterUrl: cluster.url })
}, 60_000)

afterAll(async () => {
  workload?.stop()
  await fleet?.stop()
  await Promise.all([...edges.map((edge) => edge.stop()), ...processes.map((child) => child.stop())])
  await deployment?.close()
  await cluster?.stop()
})

describe("on a Redis Cluster", () => {
  it("runs a workload to completion with two runtime processes", async () => {
    const d = deployment!
    for (const n of [1, 2]) processes.push(new RuntimeProcess(`cluster-runtime-${n}`, d.env))
    await Promise.all(processes.map((child) => child.started))
    await waitForTakeover(d.redis, d.keys, PARTITIONS, new Set(), performance.now(), 20_000)

    const bots = new BotFleet(d, await d.connect("cluster-bots"), FLEET)
    fleet = bots
    await bots.register()
    bots.start()
    const work = new Workload(d.append, { tasks: 150, sessions: 6, capability: FLEET.capability, window: 32, perSecond: 100 })
    workload = work
    await work.run(() => bots.completesSent)
    await waitFor(
      "every lifecycle completed",
      async () => {
        const [row] = await d.sql<{ n: number }[]>`select count(*)::int as n from actors where kind = 'task' and state = 'completed'`
        return row?.n === work.lifecycles ? true : undefined
      },
      90_000,
    )
    await bots.stop()
    // The last tasks' news has reached their sessions.
    await waitFor(
      "inboxes drained",
      async () => ((await unsettledInboxes(d.redis, d.keys, PARTITIONS)).length === 0 ? true : undefined),
      20_000,
    )

    const result = await audit({
      sql: d.sql,
      redis: d.redis,
      keys: d.keys,
      partitions: PARTITIONS,
      standalone: work.standalone,
      sessions: work.sessions,
      agentIds: bots.agentIds,
      maxConcurrency: FLEET.maxConcurrency,
    })
    expect(bots.errors).toEqual([])
    expect(result.lost).toEqual([])
    expect(result.duplicated).toEqual([])
    expect(result.malformed).toEqual([])
    expect(result.leftovers).toEqual([])
    expect(result.missingEvents).toEqual([])
    expect(result.strayEvents).toEqual([])
    expect(processes.flatMap((child) => child.problems.filter((line) => line.level === "error" || line.level === "stderr"))).toEqual([])

    // The partitions' inboxes are held by more than one node.
    const nodes = await Promise.all(
      cluster!.url.split(",").map(async (url) => {
        const node = await openRedis(url)
        try {
          const inboxes = await Promise.all(
            Array.from({ length: PARTITIONS }, async (_, p) => {
              const slot = Number(await node.call("CLUSTER", "KEYSLOT", d.keys.partition(p).inbox))
              const owned = (await node.call("CLUSTER", "COUNTKEYSINSLOT", slot)) as number
              return owned > 0 ? 1 : 0
            }),
          )
          return inboxes.reduce<number>((sum, found) => sum + found, 0)
        } finally {
          await close(node)
        }
      }),
    )
    expect(nodes.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2)
  }, 180_000)

  it("serves an edge: commands answered through its reply stream, events replayed and live", async () => {
    const d = deployment!
    const edge = new EdgeProcess("cluster-edge", { ...d.env, CLAWBOT_OPERATOR_TOKEN: token })
    edges.push(edge)
    const url = await edge.url
    const api = httpClient(url, token)
    expect((await api.get("/ready")).status).toBe(200)
    // The runtime's verdict reaches the edge through its reply stream: 201, not 202 (pending).
    const created = await api.post("/api/v1/tasks", { title: "through the edge", capability: "cluster-edge" })
    expect(created.status).toBe(201)
    // `since` replays from the event stream (XINFO, XREAD on its node), then goes live.
    const [[first]] = (await d.redis.xrange(d.keys.events, "-", "+", "COUNT", 1)) as [[string, string[]]]
    const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws/events?topics=task:${created.body.id}&since=${first}&token=${token}`)
    const seen = new Promise<string>((resolve) =>
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { type: string; payload: { event?: string } }
        if (frame.type === "event" && frame.payload.event === "CANCEL") resolve(frame.type)
      }),
    )
    const replayed = new Promise<unknown>((resolve) => socket.once("message", (data) => resolve(JSON.parse(String(data)))))
    await once(socket, "open")
    expect(await replayed).toMatchObject({ type: "event", payload: { actor_id: created.body.id, event: "CREATE" } })
    expect((await api.post(`/api/v1/tasks/${created.body.id}/cancel?wait=1`, { reason: "done with it" })).body).toMatchObject({
      state: "cancelled",
    })
    expect(await seen).toBe("event")
    socket.close()
    expect(await edge.stop()).toBe(0)
  }, 60_000)
})
