// Helper process of the Postgres proxy (pg-proxy.ts): accepts connections on a free loopback
// port, pipes each to the real server, and counts every byte each way, every finished statement
// (CommandComplete) and the rows returned by SELECT/FETCH.
import { connect, createServer } from "node:net"
import { helperSide } from "./child.ts"
import type { PgTraffic } from "./pg-proxy.ts"
import { isSslOrGssRequest, rowsReturned, MessageScanner } from "./pg-wire.ts"

export interface PgProxySettings {
  readonly host: string
  readonly port: number
}

const COMMAND_COMPLETE = "C".charCodeAt(0)
const side = helperSide<PgProxySettings>()
const traffic = { bytesToServer: 0, bytesFromServer: 0, statements: 0, rowsRead: 0 } satisfies PgTraffic

const server = createServer({ noDelay: true }, (client) => {
  const upstream = connect({ host: side.settings.host, port: side.settings.port, noDelay: true })
  const fromServer = new MessageScanner(
    true,
    (type) => type === COMMAND_COMPLETE,
    (type, body) => {
      if (type !== COMMAND_COMPLETE || body === undefined) return
      traffic.statements += 1
      traffic.rowsRead += rowsReturned(body.toString("utf8"))
    },
  )
  const fromClient = new MessageScanner(
    false,
    () => false,
    (code) => {
      if (isSslOrGssRequest(code)) fromServer.expectRaw(1)
    },
  )
  client.on("data", (chunk: Buffer) => {
    traffic.bytesToServer += chunk.length
    fromClient.push(chunk)
    if (!upstream.write(chunk)) client.pause()
  })
  upstream.on("drain", () => client.resume())
  upstream.on("data", (chunk: Buffer) => {
    traffic.bytesFromServer += chunk.length
    fromServer.push(chunk)
    if (!client.write(chunk)) upstream.pause()
  })
  client.on("drain", () => upstream.resume())
  const end = () => {
    client.destroy()
    upstream.destroy()
  }
  for (const socket of [client, upstream]) socket.on("error", end).on("close", end)
})

side.on("traffic", () => traffic)
side.on("port", () => {
  const address = server.address()
  return { port: typeof address === "object" && address !== null ? address.port : 0 }
})
server.listen(0, "127.0.0.1", side.ready)
process.once("SIGTERM", () => process.exit(0))
