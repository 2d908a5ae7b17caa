// A context's data as pure functions (docs/coordination.md, "Contexts"): dot-path reads and writes on a
// JSON object, its leaf paths, the diff between two versions, the merge of several contexts (naming the
// paths they disagree on) and the size limits. Used by the context machine and by the edge.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

/** The largest context: its data as JSON text, in bytes (UTF-8). */
export const MAX_CONTEXT_BYTES = 64 * 1024

const isObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** The value at `path` (`a.b.c`), or undefined when a segment is missing or not an object. */
export function getPath(data: JsonObject, path: string): Json | undefined {
  let node: Json | undefined = data
  for (const segment of path.split(".")) {
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined
    node = node[segment]
  }
  return node
}

/** Writes and removes dot paths on a copy of a document, copying each object it changes once (copy on
 * write): a patch of n paths costs O(n × depth) whatever the document's size, never a copy per path. */
class Draft {
  readonly root: JsonObject
  private readonly owned = new WeakSet<JsonObject>()

  constructor(data: JsonObject) {
    this.root = this.own({ ...data })
  }

  private own(object: JsonObject): JsonObject {
    this.owned.add(object)
    return object
  }

  /** `parent[key]` as an object this draft may change: copied once, or created when `create` (replacing a non-object). */
  private child(parent: JsonObject, key: string, create: boolean): JsonObject | undefined {
    const current = Object.hasOwn(parent, key) ? parent[key] : undefined
    if (isObject(current) && this.owned.has(current)) return current
    if (!isObject(current) && !create) return undefined
    const copy = this.own(isObject(current) ? { ...current } : {})
    put(parent, key, copy)
    return copy
  }

  set(segments: ReadonlyArray<string>, value: Json): void {
    let node = this.root
    for (let i = 0; i < segments.length - 1; i += 1) node = this.child(node, segments[i] as string, true) as JsonObject
    put(node, segments[segments.length - 1] as string, value)
  }

  unset(segments: ReadonlyArray<string>): void {
    let node: JsonObject | undefined = this.root
    for (let i = 0; i < segments.length - 1 && node !== undefined; i += 1) node = this.child(node, segments[i] as string, false)
    const last = segments[segments.length - 1] as string
    if (node !== undefined && Object.hasOwn(node, last)) delete node[last]
  }
}

/** An own data property, even for a key like `__proto__` (plain assignment would set the prototype). */
const put = (object: JsonObject, key: string, value: Json): void => {
  if (key === "__proto__") Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
  else object[key] = value
}

/** A copy of `data` without the `unset` dot paths, then with each `set` path's value (creating, or replacing
 * non-object, parents); `data` itself is unchanged. Linear in the number of paths. */
export function patchData(data: JsonObject, set: Readonly<Record<string, Json>>, unset: ReadonlyArray<string>): JsonObject {
  const draft = new Draft(data)
  for (const path of unset) draft.unset(path.split("."))
  for (const [path, value] of Object.entries(set)) draft.set(path.split("."), value)
  return draft.root
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
  const draft = new Draft({})
  for (const source of sources) {
    for (const [path, value] of leaves(source)) {
      const earlier = seen.get(path)
      if (earlier !== undefined && !same(earlier, value)) conflicts.add(path)
      seen.set(path, value)
      draft.set(path.split("."), value)
    }
  }
  if (strategy === "fail_on_conflict" && conflicts.size > 0) return { ok: false, conflicts: [...conflicts].sort() }
  return { ok: true, data: draft.root }
}

/** The size limit's measure: the data as JSON text, in UTF-8 bytes. */
export const dataBytes = (data: JsonObject): number => new TextEncoder().encode(JSON.stringify(data)).length
