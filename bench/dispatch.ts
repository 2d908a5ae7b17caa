import type { ScenarioReport } from "./report.ts"
import type { Bench } from "./support/bench.ts"
export const dispatch = async (_bench: Bench): Promise<ScenarioReport> => { throw new Error("todo") }
