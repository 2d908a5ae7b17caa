// Finds a free TCP port on 127.0.0.1 for an embedded server; never hands out the standard Postgres/Redis ports.
import { createServer } from "node:net"

/** Ports reserved for shared/system servers; an embedded server must never take them. */
const RESERVED_PORTS: ReadonlySet<number> = new Set([5432, 6379])

/** Asks the kernel for an ephemeral port on 127.0.0.1, skipping reserved ones. */
export async function findFreePort(): Promise<number> {
  for (;;) {
    const port = await probeEphemeralPort()
    if (!RESERVED_PORTS.has(port)) return port
  }
}

function probeEphemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not read the probed port"))))
    })
  })
}
