// The deployment that the conformance rules needing no settings of their own share (one edge on its
// own Redis prefix and Postgres schema, with an in-process runtime): started before the first rule of
// ../conformance.test.ts and closed after the last. Each such rule drives its own agents, tasks and
// capabilities, and reads only what is its own, so rules run one after another on it without
// interfering. It records every command its sockets append (the runtime trims applied entries from the
// inbox, so the inbox cannot be read afterwards).
import { afterAll, beforeAll } from "vitest"
import type { AppendInput } from "../../../../src/runtime/append.ts"
import { startSocketEdge, type SocketEdge } from "../harness.ts"

export interface SharedEdge {
  readonly edge: SocketEdge
  /** Every command the sockets appended, in the order `append` was called. */
  readonly appended: ReadonlyArray<AppendInput>
}

/** Registers the shared edge's start and close in the calling block; the getter answers it once started. */
export function sharedEdge(): () => SharedEdge {
  let started: SharedEdge | undefined
  beforeAll(async () => {
    const appended: AppendInput[] = []
    const edge = await startSocketEdge({
      append: (append) => (command) => {
        appended.push(command)
        return append(command)
      },
    })
    started = { edge, appended }
  })
  afterAll(() => started?.edge.close())
  return () => {
    if (started === undefined) throw new Error("the shared conformance edge has not started")
    return started
  }
}
