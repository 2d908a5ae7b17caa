// The id of a session's task, derived from the session id and the task's place in the session
// (docs/machines.md, "Task ids"): the edge returns these ids at creation, the session creates its
// tasks under them and addresses all of them from its task count alone, without listing them.
import { createHash } from "node:crypto"

/** The namespace of session task ids (a fixed random UUID, as RFC 9562 UUIDv5 names need one). */
const NAMESPACE = Buffer.from("6f1c2a9e4b7d4c1f8e3a5d2b9c0e7f14", "hex")

/** A UUIDv5 (SHA-1, RFC 9562) of `${sessionId}/${index}`: the same inputs always give the same id. */
export function sessionTaskId(sessionId: string, index: number): string {
  const hash = createHash("sha1").update(NAMESPACE).update(`${sessionId}/${index}`).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
