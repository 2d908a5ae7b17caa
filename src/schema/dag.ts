// Checks a list of tasks that name each other as dependencies (session task keys, or task ids):
// names are unique, every dependency names a task of the list, and the dependencies form no cycle.
// Failures come back as `{path, issue}`, the shape a Schema filter reports at a nested field.

export interface DagFailure {
  readonly path: ReadonlyArray<PropertyKey>
  readonly issue: string
}

/**
 * Wire names used in the failure path and message,
 * e.g. `{list: "tasks", name: "key", deps: "depends_on", noun: "task key"}`.
 */
export interface DagFields {
  readonly list: string
  readonly name: string
  readonly deps: string
  readonly noun: string
}

export interface DagNode {
  readonly name: string
  readonly deps: ReadonlyArray<string>
}

/** The index of the first value that repeats an earlier one. */
export function firstDuplicate(values: ReadonlyArray<string>): number | undefined {
  const seen = new Set<string>()
  for (const [i, value] of values.entries()) {
    if (seen.has(value)) return i
    seen.add(value)
  }
  return undefined
}

/**
 * A cycle as the list of node indexes, first node repeated at the end. A depth-first search with
 * its own stack (a chain of 100,000 tasks costs no call stack) and each node's place on the path.
 */
function findCycle(nodes: ReadonlyArray<DagNode>, index: ReadonlyMap<string, number>): number[] | undefined {
  const done = new Set<number>()
  for (const start of nodes.keys()) {
    if (done.has(start)) continue
    const path: Array<{ readonly node: number; next: number }> = [{ node: start, next: 0 }]
    const onPath = new Map<number, number>([[start, 0]])
    while (path.length > 0) {
      const top = path[path.length - 1] as { readonly node: number; next: number }
      const deps = nodes[top.node]?.deps ?? []
      if (top.next >= deps.length) {
        path.pop()
        onPath.delete(top.node)
        done.add(top.node)
        continue
      }
      const j = index.get(deps[top.next] as string)
      top.next += 1
      if (j === undefined || done.has(j)) continue
      const at = onPath.get(j)
      if (at !== undefined) return [...path.slice(at).map((step) => step.node), j]
      onPath.set(j, path.length)
      path.push({ node: j, next: 0 })
    }
  }
  return undefined
}

/** The first problem with the dependency graph, or undefined when it is a valid DAG. */
export function checkDag(nodes: ReadonlyArray<DagNode>, fields: DagFields): DagFailure | undefined {
  const names = nodes.map((n) => n.name)
  const duplicate = firstDuplicate(names)
  if (duplicate !== undefined) {
    const name = JSON.stringify(names[duplicate])
    return { path: [fields.list, duplicate, fields.name], issue: `duplicate ${fields.noun} ${name}` }
  }
  const index = new Map(names.map((name, i) => [name, i]))
  for (const [i, node] of nodes.entries()) {
    for (const [j, dep] of node.deps.entries()) {
      if (!index.has(dep)) {
        return { path: [fields.list, i, fields.deps, j], issue: `unknown ${fields.noun} ${JSON.stringify(dep)}` }
      }
    }
  }
  const cycle = findCycle(nodes, index)
  if (cycle === undefined || cycle[0] === undefined) return undefined
  const chain = cycle.map((i) => JSON.stringify(names[i])).join(" -> ")
  return { path: [fields.list, cycle[0], fields.deps], issue: `dependency cycle ${chain}` }
}
