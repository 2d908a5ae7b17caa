// temporary diagnostic (to be deleted)
import { randomUUID } from "node:crypto"
import { close, openRedis } from "../src/redis/client.ts"
import { testDeployment } from "../tests/support/runtime.ts"
import { startFleet } from "./fleet.ts"
const N = Number(process.argv[2] ?? 300)
const d = await testDeployment({ partitions: 16 })
const reader = await openRedis(d.redisUrl)
const fleet = startFleet({ reader, events: d.keys.events, append: d.append })
await d.startRuntime({})
const agents = Array.from({ length: 8 }, () => randomUUID())
for (const [i, id] of agents.entries()) {
  await d.append({ kind: "agent", id, type: "CREATE", payload: { id, name: `a${i}`, capabilities: ["bench"], maxConcurrency: 16, heartbeatIntervalMs: 3600000 } })
  await d.append({ kind: "agent", id, type: "CONNECT", payload: {} })
}
for (const id of agents) await d.actor("agent", id, (a) => a.state === "online")
const ids = new Set<string>()
const t0 = Date.now()
await Promise.all(Array.from({ length: N }, (_, i) => { const id = randomUUID(); ids.add(id); return d.append({ kind: "task", id, type: "CREATE", payload: { id, title: `t${i}`, capability: "bench", dependsOn: [], blocked: false } }) }))
await fleet.allCompleted(ids, 120000)
console.log("wall", Date.now() - t0)
const tally = new Map<string, number>()
for (let p = 0; p < 16; p++) {
  const entries = await d.redis.xrange(d.keys.partition(p).inbox, "-", "+")
  for (const [, f] of entries) { const k = `${f[3]!.split(":")[0]} ${f[1]}`; tally.set(k, (tally.get(k) ?? 0) + 1) }
}
console.log([...tally].sort((a, b) => b[1] - a[1]))
const tr = await d.schema.sql`select kind, event, from_state, to_state, count(*)::int from transitions group by 1,2,3,4 order by 5 desc`
console.log(tr)
const ev = await d.redis.xlen(d.keys.events); console.log("events", ev)
await fleet.stop(); await close(reader); await d.close()
