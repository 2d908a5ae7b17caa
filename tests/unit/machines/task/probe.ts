import { getShortestPaths } from "@xstate/graph"
import { taskMachine } from "../../../../machines/task.ts"
const T = 1000, LATE = 10_000_000
const t0 = Date.now()
for (const blocked of [true, false]) {
  const paths = getShortestPaths(taskMachine, {
    input: { id: "t", title: "t", capability: "c", payload: null, dependsOn: [], blocked, maxAttempts: 2, at: 0 },
    events: (s) => {
      const a = s.context.attempt
      return [
        { type: "DEPENDENCIES_MET", at: T },
        { type: "ASSIGN", agentId: "A", at: T },
        { type: "CLAIM", agentId: "A", at: T }, { type: "CLAIM", agentId: "B", at: T },
        { type: "START", agentId: "A", at: T }, { type: "START", agentId: "B", at: T },
        { type: "DEADLINE", attempt: a, at: LATE }, { type: "DEADLINE", attempt: a + 1, at: LATE },
        { type: "RETRY_DUE", attempt: a, at: LATE }, { type: "RETRY", at: T },
      ]
    },
    serializeState: (s, e, p) => JSON.stringify({ v: s.value, c: s.context, via: p && e ? [p.value, e] : null }),
    stopWhen: (s) => s.context.attempt > 2,
  })
  console.log(blocked, paths.length, Math.max(...paths.map((p) => p.steps.length)), paths[5]?.steps.map((s) => [s.event.type, s.state.value]))
}
console.log(Date.now() - t0, "ms")
