// A context's data as pure functions (docs/coordination.md, "Contexts"): dot-path reads and writes on a
// JSON object, its leaf paths, the diff between two versions, the merge of several contexts (naming the
// paths they disagree on) and the size limits. Used by the context machine and by the edge.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** The largest context: its data as JSON text, in bytes (UTF-8). */
export const MAX_CONTEXT_BYTES = 64 * 1024
/** The deepest dot path (segments). */
export const MAX_PATH_SEGMENTS = 16

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The value at `path` (`a.b.c`), or undefined when a segment is missing or not an object. */
export function getPath(data: JsonObject, path: string): Json | undefined {
  let node: Json | undefined = data
  for (const segment of path.split(".")) {
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined
    node = node[segment]
  }
  return node
}

/** A copy of `data` with `value` at `path`, creating (or replacing non-object) parents. */
export function setPath(data: JsonObject, path: string, value: Json): JsonObject {
  const [head, ...rest] = path.split(".") as [string, ...string[]]
  if (rest.length === 0) return { ...data, [head]: value }
  const child = data[head]
  return { ...data, [head]: setPath(isObject(child) ? child : {}, rest.join("."), value) }
}

/** A copy of `data` without `path` (unchanged when it is absent). */
export function unsetPath(data: JsonObject, path: string): JsonObject {
  const [head, ...rest] = path.split(".") as [string, ...string[]]
  if (!Object.hasOwn(data, head)) return data
  if (rest.length === 0) {
    const { [head]: _removed, ...kept } = data
    return kept
  }
  const child = data[head]
  return isObject(child) ? { ...data, [head]: unsetPath(child, rest.join(".")) } : data
}

/** Every leaf (a value that is not a non-empty object) by its dot path. */
export function leaves(data: JsonObject, prefix = ""): Map<string, Json> {
  const found = new Map<string, Json>()
  for (const [key, value] of Object.entries(data)) {
    const path = prefix === "" ? key : `${prefix}.${key}`
    if (isObject(value) && Object.keys(value).length > 0) for (const [leaf, v] of leaves(value, path)) found.set(leaf, v)
    else found.set(path, value)
  }
  return found
}

export interface Change {
  readonly path: string
  readonly op: "added" | "removed" | "changed"
  readonly from?: Json
  readonly to?: Json
}

const same = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b)

/** What changed from `before` to `after`, leaf by leaf, in path order. */
export function diffData(before: JsonObject, after: JsonObject): Change[] {
  const [from, to] = [leaves(before), leaves(after)]
  const paths = [...new Set([...from.keys(), ...to.keys()])].sort()
  return paths.flatMap((path): Change[] => {
    const [a, b] = [from.get(path), to.get(path)]
    if (a === undefined) return [{ path, op: "added", to: b! }]
    if (b === undefined) return [{ path, op: "removed", from: a }]
    return same(a, b) ? [] : [{ path, op: "changed", from: a, to: b }]
  })
}

export type MergeStrategy = "last_write_wins" | "fail_on_conflict"

export type Merged = { readonly ok: true; readonly data: JsonObject } | { readonly ok: false; readonly conflicts: string[] }

/**
 * Merges the data of several contexts, in the order given (the last one written last): leaf by leaf, a
 * later context's value wins under `last_write_wins`; under `fail_on_conflict` any leaf path two contexts
 * give different values is a conflict, and the merge answers them all.
 */
export function mergeData(sources: ReadonlyArray<JsonObject>, strategy: MergeStrategy): Merged {
  const seen = new Map<string, Json>()
  const conflicts = new Set<string>()
  let data: JsonObject = {}
  for (const source of sources) {
    for (const [path, value] of leaves(source)) {
      const earlier = seen.get(path)
      if (earlier !== undefined && !same(earlier, value)) conflicts.add(path)
      seen.set(path, value)
      data = setPath(data, path, value)
    }
  }
  if (strategy === "fail_on_conflict" && conflicts.size > 0) return { ok: false, conflicts: [...conflicts].sort() }
  return { ok: true, data }
}

/** The size limit's measure: the data as JSON text, in UTF-8 bytes. */
export const dataBytes = (data: JsonObject): number => new TextEncoder().encode(JSON.stringify(data)).length
