// A TCP proxy in front of Redis that a test can cut (dropping connections and turning new ones away,
// counted) and restore on the same port: a Redis outage as one client sees it, without touching the
// server. It can also hold Redis's replies back while the commands still reach the server (a slow
// Redis), or hold the commands back from the server (a hung Redis, as a client sees one).
import { createServer, connect, type Server, type Socket } from "node:net"

export interface RedisProxy {
  /** The Redis URL through the proxy. */
  readonly url: string
  /** Drops every proxied connection and turns new ones away (closed as soon as accepted). */
  cut(): Promise<void>
  /** Connections turned away since the last cut: how often the client tried to come back. */
  turnedAway(): number
  /** Proxies connections again. */
  restore(): Promise<void>
  /** Keeps Redis's replies from the clients (their commands still run) until the returned function is called. */
  holdReplies(): () => void
  /** Keeps the clients' commands from Redis (they run, in order, once the returned function is called). */
  holdCommands(): () => void
  close(): Promise<void>
}

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve())
  })

export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl)
  const sockets = new Set<Socket>()
  /** While replies are held: the writes to make once they are released, in order. */
  let held: Array<() => void> | undefined
  /** While commands are held: the same, towards Redis. */
  let heldCommands: Array<() => void> | undefined
  let down = false
  let turned = 0
  const server = createServer((client) => {
    if (down) {
      turned += 1
      client.destroy()
      return
    }
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => socket.destroy())
    }
    client.on("data", (chunk: Buffer) => (heldCommands ? heldCommands.push(() => upstream.write(chunk)) : upstream.write(chunk)))
    upstream.on("data", (chunk: Buffer) => (held ? held.push(() => client.write(chunk)) : client.write(chunk)))
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
  })
  await listen(server, 0)
  const address = server.address()
  const port = typeof address === "object" && address ? address.port : 0
  const url = new URL(redisUrl)
  url.hostname = "127.0.0.1"
  url.port = String(port)

  const dropAll = () => {
    for (const socket of sockets) socket.destroy()
  }
  return {
    url: url.toString(),
    async cut() {
      down = true
      turned = 0
      dropAll()
    },
    turnedAway: () => turned,
    holdReplies: () => {
      held ??= []
      return () => {
        const writes = held ?? []
        held = undefined
        for (const write of writes) write()
      }
    },
    holdCommands: () => {
      heldCommands ??= []
      return () => {
        const writes = heldCommands ?? []
        heldCommands = undefined
        for (const write of writes) write()
      }
    },
    async restore() {
      down = false
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        dropAll()
      }),
  }
}
