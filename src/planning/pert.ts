// PERT estimates and the critical path of a task graph, as pure functions: a task's expected duration
// (o + 4m + p) / 6 and its standard deviation (p - o) / 6; the path of greatest expected duration through
// a DAG, with its total and the standard deviation of that total (the root of the summed variances).

export interface ThreePoint {
  readonly optimistic: number
  readonly mostLikely: number
  readonly pessimistic: number
}

export interface Estimate extends ThreePoint {
  readonly expected: number
  readonly stdDev: number
}

const round = (value: number): number => Math.round(value * 1000) / 1000

export function pert(points: ThreePoint): Estimate {
  const { optimistic: o, mostLikely: m, pessimistic: p } = points
  return { ...points, expected: round((o + 4 * m + p) / 6), stdDev: round((p - o) / 6) }
}

export interface PlanNode {
  readonly id: string
  readonly dependsOn: ReadonlyArray<string>
  readonly estimate: Estimate
}

export interface CriticalPath {
  /** Node ids, first to last. */
  readonly path: string[]
  /** The sum of their expected durations. */
  readonly expected: number
  /** The standard deviation of that sum. */
  readonly stdDev: number
}

/** The longest path by expected duration (dependencies outside `nodes` are ignored); ties go to the earlier node. */
export function criticalPath(nodes: ReadonlyArray<PlanNode>): CriticalPath {
  const byId = new Map(nodes.map((node) => [node.id, node]))
  const best = new Map<string, { expected: number; variance: number; previous?: string }>()
  const finish = (id: string): { expected: number; variance: number } => {
    const known = best.get(id)
    if (known) return known
    const node = byId.get(id)!
    let before: { expected: number; variance: number; previous?: string } = { expected: 0, variance: 0 }
    for (const dependency of node.dependsOn) {
      if (!byId.has(dependency)) continue
      const reached = finish(dependency)
      if (reached.expected > before.expected) before = { ...reached, previous: dependency }
    }
    const mine = {
      expected: before.expected + node.estimate.expected,
      variance: before.variance + node.estimate.stdDev ** 2,
      ...(before.previous === undefined ? {} : { previous: before.previous }),
    }
    best.set(id, mine)
    return mine
  }
  let end: string | undefined
  for (const node of nodes) if (end === undefined || finish(node.id).expected > finish(end).expected) end = node.id
  const path: string[] = []
  for (let at = end; at !== undefined; at = best.get(at)?.previous) path.unshift(at)
  const last = end === undefined ? { expected: 0, variance: 0 } : finish(end)
  return { path, expected: round(last.expected), stdDev: round(Math.sqrt(last.variance)) }
}
