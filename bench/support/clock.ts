// One clock for every process of a run: epoch milliseconds with sub-millisecond resolution
// (performance.timeOrigin + now()), so times taken in different processes can be subtracted.
import { performance } from "node:perf_hooks"

export const epochMs = (): number => performance.timeOrigin + performance.now()
