// A byte-counting TCP proxy in front of the bench's Postgres, in a helper process of its own so
// that it takes no time from the processes it measures. Everything a Clawbot process sends to or
// receives from Postgres passes through it; the bench's own observer queries go straight to the server.
import { startHelper } from "./child.ts"
import type { PgProxySettings } from "./pg-proxy-worker.ts"

export interface PgTraffic {
  readonly bytesToServer: number
  readonly bytesFromServer: number
  /** Statements finished (CommandComplete), BEGIN and COMMIT included. */
  readonly statements: number
  /** Rows returned by SELECT/FETCH statements (their CommandComplete tags). */
  readonly rowsRead: number
}

export interface PgProxy {
  /** The server's URL with the proxy's port in it. */
  readonly url: string
  readonly pid: number
  read(): Promise<PgTraffic>
  stop(): Promise<void>
}

export const startPgProxy = async (serverUrl: string): Promise<PgProxy> => {
  const target = new URL(serverUrl)
  const settings: PgProxySettings = { host: target.hostname, port: Number(target.port) }
  const helper = await startHelper(new URL("./pg-proxy-worker.ts", import.meta.url), settings)
  const { port } = await helper.request<{ port: number }>("port")
  const url = new URL(serverUrl)
  url.port = String(port)
  return { url: url.href, pid: helper.pid, read: () => helper.request<PgTraffic>("traffic"), stop: helper.stop }
}
