// A transition's merge patch carries the actor's position after it (`updated_at`, `stream_id`,
// `version`). Where the patch is kept beside that position (a history row's columns, an event entry's
// own fields), it is kept without those members when they equal the position, and they are put back
// on reading: the history (src/store) and the event stream (event-stream.ts) share these two steps.

/** Where a transition leaves its actor: the members of its patch that say so. */
export interface PatchPosition {
  /** ISO time of the transition. */
  readonly updated_at: string
  readonly stream_id: string
  readonly version: number
}

/** `patch` without the position members that equal `position` (a member that differs is kept). */
export const withoutPosition = (patch: unknown, position: PatchPosition): unknown => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch
  const { updated_at, stream_id, version, ...rest } = patch as Record<string, unknown>
  const kept: Record<string, unknown> = rest
  if (updated_at !== position.updated_at) kept["updated_at"] = updated_at
  if (stream_id !== position.stream_id) kept["stream_id"] = stream_id
  if (version !== position.version) kept["version"] = version
  return kept
}

/** `patch` with the position members it was kept without put back (one it kept stays as it is). */
export const withPosition = (patch: unknown, position: PatchPosition): unknown => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch
  const kept = patch as Record<string, unknown>
  return {
    ...kept,
    ...("updated_at" in kept ? {} : { updated_at: position.updated_at }),
    ...("stream_id" in kept ? {} : { stream_id: position.stream_id }),
    ...("version" in kept ? {} : { version: position.version }),
  }
}
