// Partition assignment: the inbox partition an actor lives in (ARCHITECTURE invariant 3).
// FNV-1a 32-bit of `kind:id` (UTF-8), modulo the deployment's partition count. The count is
// fixed for a deployment's life, so an actor never moves.

const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193
const utf8 = new TextEncoder()

/** FNV-1a 32-bit hash of the UTF-8 bytes of `text`, as an unsigned integer. An ASCII text (every
 * `kind:uuid`) is its own UTF-8: hashed from its char codes, with no encoded copy. */
export const fnv1a32 = (text: string): number => {
  let hash = FNV_OFFSET_BASIS
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) return fnv1a32Bytes(utf8.encode(text))
    hash = Math.imul(hash ^ code, FNV_PRIME)
  }
  return hash >>> 0
}

const fnv1a32Bytes = (bytes: Uint8Array): number => {
  let hash = FNV_OFFSET_BASIS
  for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV_PRIME)
  return hash >>> 0
}

/** The partition (0 .. partitions-1) that owns actor `kind:id`. */
export const partitionOf = (kind: string, id: string, partitions: number): number => {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`)
  }
  return fnv1a32(`${kind}:${id}`) % partitions
}
