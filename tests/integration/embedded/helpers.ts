// Test helpers for the embedded-server tests: port probing and throwaway data directories.
import { chmod, mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** True when nothing is listening on 127.0.0.1:port any more. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((settle) => {
    const server = createServer()
    server.once("error", () => settle(false))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => settle(true)))
  })
}

/**
 * A fresh directory under the OS temp dir. It is made world-enterable (0755) because, when tests run as root,
 * the embedded Postgres runs as the `postgres` OS user, which must reach its data directory.
 */
export async function tempDir(label: string): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `clawbot-${label}-`))
  await chmod(path, 0o755)
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}
