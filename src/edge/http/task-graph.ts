// A task's dependency graph (`GET /tasks/{id}/dependencies`): the tasks of its session linked to it through
// dependencies, read level by level from the task outwards (each level's tasks in one query, by id), so the answer
// costs what the linked tasks cost, not what the session holds: a task of a 100,000-task session whose graph has
// five tasks reads five rows. A task records both sides of its links (`dependsOn`, and `dependants`, given at its
// creation), so each level names the next one. A graph deeper than `MAX_LEVELS` is read with the session's tasks in
// one query instead, as it was before (a long chain would otherwise cost a query a link). Quarantined tasks are left
// out and not walked through, as every list leaves them out (current.ts).
import type { TaskContext } from "../../../machines/task.ts"
import type { ActorKind } from "../../runtime/actor-kind.ts"
import type { StoredActor } from "../../store/actor-row.ts"
import type { Sql } from "../../store/db.ts"
import { sessionTasks } from "../../store/queries.ts"
import { loadSnapshots } from "../../store/snapshots.ts"
import { currentOnly } from "./current.ts"
import { contextOf } from "./views.ts"

/** Levels read one query each before the session's tasks are read whole. */
export const MAX_LEVELS = 8

/** The ids a task names as linked to it (its dependencies and its dependants). */
const linksOf = (task: StoredActor): string[] => {
  const context = contextOf<TaskContext>(task)
  return [...context.dependsOn, ...context.dependants]
}

/** The tasks linked to `start` (brought up to their machine, `start` among them), in their session's order. */
export async function linkedTasks(sql: Sql, kinds: ReadonlyMap<string, ActorKind>, start: StoredActor): Promise<StoredActor[]> {
  const sessionId = contextOf<TaskContext>(start).sessionId
  if (sessionId === null) return [start]
  const found = new Map([[start.id, start]])
  const asked = new Set([start.id])
  let level = [start]
  for (let depth = 0; level.length > 0; depth += 1) {
    const next = [...new Set(level.flatMap(linksOf))].filter((id) => !asked.has(id))
    if (next.length === 0) break
    if (depth === MAX_LEVELS) return component(start, currentOnly(kinds, await sessionTasks(sql, sessionId)))
    for (const id of next) asked.add(id)
    const rows = await loadSnapshots(
      sql,
      next.map((id) => ({ kind: "task", id })),
    )
    level = currentOnly(
      kinds,
      [...rows.values()].filter((row) => row.sessionId === sessionId),
    )
    for (const task of level) found.set(task.id, task)
  }
  return component(start, [...found.values()])
}

/** The tasks of `tasks` linked to `start` through dependencies (either way), `start` among them, in their session's
 * order (its index, then its id). */
export const component = (start: StoredActor, tasks: ReadonlyArray<StoredActor>): StoredActor[] => {
  const byId = new Map(tasks.map((task) => [task.id, task]))
  byId.set(start.id, start)
  const neighbours = new Map<string, string[]>()
  const link = (a: string, b: string) => neighbours.set(a, [...(neighbours.get(a) ?? []), b])
  for (const task of byId.values()) {
    for (const dependency of contextOf<TaskContext>(task).dependsOn) {
      link(task.id, dependency)
      link(dependency, task.id)
    }
  }
  const seen = new Set([start.id])
  for (const queue = [start.id]; queue.length > 0; ) {
    for (const next of neighbours.get(queue.pop()!) ?? []) {
      if (seen.has(next) || !byId.has(next)) continue
      seen.add(next)
      queue.push(next)
    }
  }
  return [...byId.values()].filter((task) => seen.has(task.id)).sort(sessionOrder)
}

/** By place in the session (a task without one last), then by id. */
const sessionOrder = (a: StoredActor, b: StoredActor): number => {
  const at = (task: StoredActor) => contextOf<TaskContext>(task).index ?? Number.POSITIVE_INFINITY
  return at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
