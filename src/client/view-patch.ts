// Applying an event's merge patch to an actor's view as `GET` answers it. RFC 7396 (one source:
// src/runtime/merge-patch.ts) below the top level; at the top level a `null` sets the field to null
// instead of removing it, since every field of a view is always present (null when unset), so a
// mirrored view keeps exactly the keys `GET` answers.
import { applyPatch, type Json, type JsonObject } from "../runtime/merge-patch.ts"

export type { Json, JsonObject }

export function applyViewPatch(view: JsonObject, patch: JsonObject): JsonObject {
  const next: Record<string, Json> = { ...view }
  for (const [key, value] of Object.entries(patch)) next[key] = value === null ? null : applyPatch(view[key], value)
  return next
}
