// Test support: one deployment run again and again with changed actor kinds (a machine changed between
// two runs of a product): each run is a runtime worker owning the deployment's one partition and an
// edge, both given the run's kinds; a run stops the one before it, so the new worker restores actors
// from Postgres rather than from the memory of the old one.
import { KINDS } from "../../actors/index.ts"
import type { Edge } from "../../src/edge/app.ts"
import type { ActorKind, PersistedSnapshot } from "../../src/runtime/actor-kind.ts"
import { edgeOn, httpClient, type Client } from "./edge.ts"
import type { TestDeployment } from "./runtime.ts"

/** The product's kinds with the kind `name` changed by `change`. */
export const withKind = (name: string, change: Pick<ActorKind, "version" | "migrations">): ReadonlyArray<ActorKind> =>
  KINDS.map((kind) => (kind.kind === name ? { ...kind, ...change } : kind))

/** A migration that marks a text field of the context with ` (v2)`: a stand-in for a reshaped context. */
export const marking =
  (field: string) =>
  (snapshot: PersistedSnapshot): PersistedSnapshot => {
    const context = snapshot.context as Record<string, unknown>
    return { ...snapshot, context: { ...context, [field]: `${String(context[field])} (v2)` } }
  }

export interface KindRun {
  /** The operator's client of this run's edge. */
  readonly api: Client
  /** `ws://127.0.0.1:<port><path>` of this run's edge. */
  ws(path: string): string
}

export interface KindRuns {
  /** Stops the run before (if any) and starts one with `kinds`. */
  run(kinds: ReadonlyArray<ActorKind>): Promise<KindRun>
  /** Stops the last run. */
  close(): Promise<void>
}

/** Runs on `deployment` (one partition), its edges answering `operatorToken`. */
export const kindRuns = (deployment: TestDeployment, operatorToken: string): KindRuns => {
  let current: { close(): Promise<void> } | undefined
  let count = 0
  const close = async () => {
    await current?.close()
    current = undefined
  }
  return {
    close,
    async run(kinds) {
      await close()
      const p = deployment.keys.partition(0)
      const owner = `run-${(count += 1)}`
      const lease = await deployment.scripts.acquireLease(p, owner, 600_000)
      if (!lease.ok) throw new Error("the partition is leased already")
      await deployment.startWorker(0, lease.value, { consumer: owner, kinds })
      const edge: Edge = await edgeOn(deployment, { operatorToken, edge: { kinds } })
      current = {
        async close() {
          await edge.close()
          await deployment.stopAll()
          await deployment.scripts.releaseLease(p, owner, lease.value)
        },
      }
      return { api: httpClient(`http://127.0.0.1:${edge.port}`, operatorToken), ws: (path) => `ws://127.0.0.1:${edge.port}${path}` }
    },
  }
}
