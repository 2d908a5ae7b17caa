// The limits a context's writes are held to at the edge (docs/coordination.md, "Contexts"), beyond the
// machine's own size limit: how deep a dot path goes, how many paths one patch holds, how deep a value
// may nest the data once set at its path, and how many contexts one merge reads.
import { MAX_JSON_DEPTH } from "./input.ts"

/** The deepest dot path (segments). */
export const MAX_PATH_SEGMENTS = 16
/** The most paths one patch sets and unsets together. */
export const MAX_PATCH_PATHS = 1000
/** The deepest data, in levels (`{}` is one): as deep as a created context's data may be, one level under
 * the input rules' limit for the body that holds it. */
export const MAX_DATA_DEPTH = MAX_JSON_DEPTH - 1
/** The most contexts one merge reads. */
export const MAX_MERGE_SOURCES = 100

/** How many levels `value` nests (a scalar none, `{}` and `[]` one, `[[]]` two), counted without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next
    if (typeof node !== "object" || node === null) continue
    deepest = Math.max(deepest, depth)
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1])
  }
  return deepest
}
