// Test support: a real Redis Cluster of three masters (`redis-server --cluster-enabled yes` on free
// loopback ports, data in a temporary folder, joined with `redis-cli --cluster create`), started by
// the test that needs it and stopped with its files afterwards.
import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { close, openRedis } from "../../src/redis/client.ts"
import { waitFor } from "./runtime.ts"

export interface RedisCluster {
  /** The seed nodes as CLAWBOT_REDIS_CLUSTER expects REDIS_URL: `redis://127.0.0.1:a,redis://127.0.0.1:b,...`. */
  readonly url: string
  stop(): Promise<void>
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A free port whose cluster bus port (+10000) is free too. */
const freePort = async (taken: ReadonlySet<number>): Promise<number> => {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if (!taken.has(port) && (await portFree(port)) && (await portFree(port + 10_000))) return port
  }
}

const run = async (command: string, args: string[]): Promise<string> => {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const [code] = (await once(child, "exit")) as [number | null]
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}: ${output}`)
  return output
}

export const startRedisCluster = async (): Promise<RedisCluster> => {
  const dir = await mkdtemp(join(tmpdir(), "clawbot-cluster-"))
  const servers: ChildProcess[] = []
  const ports: number[] = []
  const stop = async () => {
    for (const server of servers) if (server.exitCode === null) server.kill("SIGKILL")
    await Promise.all(servers.map((server) => (server.exitCode === null && server.signalCode === null ? once(server, "exit") : undefined)))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (let n = 0; n < 3; n += 1) {
      const port = await freePort(new Set(ports))
      ports.push(port)
      const server = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          `nodes-${port}.conf`,
          "--dir",
          dir,
          "--save",
          "",
          "--appendonly",
          "no",
          "--dbfilename",
          `dump-${port}.rdb`,
        ],
        { stdio: "ignore" },
      )
      servers.push(server)
    }
    for (const port of ports)
      await waitFor(`redis-server on ${port}`, async () =>
        (await run("redis-cli", ["-p", String(port), "ping"])).includes("PONG") ? true : undefined,
      )
    await run("redis-cli", ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-yes"])
    for (const port of ports) {
      await waitFor(
        `cluster state ok on ${port}`,
        async () => ((await run("redis-cli", ["-p", String(port), "cluster", "info"])).includes("cluster_state:ok") ? true : undefined),
        20_000,
      )
    }
    const url = ports.map((port) => `redis://127.0.0.1:${port}`).join(",")
    // Every node agrees on the slots once a cluster client can see all of them.
    const probe = await openRedis(url, { cluster: true })
    await close(probe)
    return { url, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
