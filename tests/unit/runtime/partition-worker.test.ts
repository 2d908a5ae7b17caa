// The worker's one construction rule: its actor host must be able to hold a whole batch, or an
// actor of the batch in hand could be evicted before it is persisted.
import { describe, expect, it } from "vitest"
import { PartitionWorker, type WorkerOptions } from "../../../src/runtime/partition-worker.ts"

const options = (maxActors: number, batchSize: number) => ({ maxActors, batchSize }) as unknown as WorkerOptions

describe("PartitionWorker", () => {
  it("refuses an actor cache smaller than a batch", () => {
    expect(() => new PartitionWorker(options(100, 256), 0, 1, 0)).toThrow("maxActors (100) must be at least batchSize (256)")
  })

  it("accepts a cache that holds a whole batch", () => {
    expect(() => new PartitionWorker(options(256, 256), 0, 1, 0)).not.toThrow()
  })
})
