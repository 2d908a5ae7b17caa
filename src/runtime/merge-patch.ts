// JSON merge patches (RFC 7396) between two views of an actor: how every transition is recorded
// in the outbox, the `transitions` history and the event stream (invariant 9). A view is plain
// JSON; arrays and scalars are replaced whole, objects are merged key by key, and a key whose
// value becomes null (or disappears) is `null` in the patch: per RFC 7396, applying it removes the
// key, so a rebuilt view reads an absent nullable field as null. Every key is an own member, `__proto__` included (a
// bot's JSON may hold one, which JSON.parse keeps as a member): read with `own`, written with `put`, never through
// the `__proto__` accessor, which would drop the member (or change the object's prototype) instead.

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
export type JsonObject = { readonly [key: string]: Json }

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** `object`'s own member `key`, or undefined. */
const own = (object: JsonObject, key: string): Json | undefined => (Object.hasOwn(object, key) ? object[key] : undefined)

/** Sets `object`'s own member `key` to `value`, as a data member whatever the key. */
const put = (object: Record<string, Json>, key: string, value: Json): void => {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  else object[key] = value
}

const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as ReadonlyArray<unknown>
    return a.length === other.length && a.every((item, index) => same(item, other[index]))
  }
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((key) => Object.hasOwn(b, key) && same((a as JsonObject)[key], (b as JsonObject)[key]))
}

/** The merge patch that turns `before` into `after` (both objects); `{}` when they are equal. */
export const diffViews = (before: JsonObject, after: JsonObject): Record<string, Json> => {
  const patch: Record<string, Json> = {}
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key) && before[key] !== null) put(patch, key, null)
  }
  for (const key of Object.keys(after)) {
    const was = own(before, key)
    const now = after[key] as Json
    if (Object.hasOwn(before, key) && same(was, now)) continue
    // A nested object that stays an object is merged key by key; anything else is replaced.
    put(patch, key, isObject(was) && isObject(now) ? diffViews(was, now) : now)
  }
  return patch
}

/** RFC 7396: applies `patch` to `target` and returns the result (neither argument is changed). */
export const applyPatch = (target: Json | undefined, patch: Json): Json => {
  if (!isObject(patch)) return patch
  const result: Record<string, Json> = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else put(result, key, applyPatch(own(result, key), value))
  }
  return result
}

export const isEmptyPatch = (patch: Readonly<Record<string, Json>>): boolean => Object.keys(patch).length === 0
