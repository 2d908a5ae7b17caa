// Redis stream ids (`<ms>-<seq>`): ordering and the time they carry.

const parts = (id: string): [bigint, bigint] => {
  const [ms, seq] = id.split("-")
  return [BigInt(ms ?? "0"), BigInt(seq ?? "0")]
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export const compareStreamIds = (a: string, b: string): number => {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  if (aMs !== bMs) return aMs < bMs ? -1 : 1
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1
}

/** The milliseconds since the epoch at which Redis appended the entry. */
export const streamIdMs = (id: string): number => Number(parts(id)[0])
