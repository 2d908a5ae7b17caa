// Redis stream ids (`<ms>-<seq>`): ordering and the time they carry. Both parts are decimal integers
// without leading zeros (Redis writes them so), compared as digit strings: by length, then by digits,
// with no number parsing (the runtime compares ids for every entry it plans).

/** The `<ms>` and `<seq>` digits of a stream id (`seq` "0" when it has none). */
const parts = (id: string): readonly [string, string] => {
  const dash = id.indexOf("-")
  return dash < 0 ? [id, "0"] : [id.slice(0, dash), id.slice(dash + 1)]
}

const compareDigits = (a: string, b: string): number => {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1
  return a === b ? 0 : a < b ? -1 : 1
}

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
export const compareStreamIds = (a: string, b: string): number => {
  const [aMs, aSeq] = parts(a)
  const [bMs, bSeq] = parts(b)
  return compareDigits(aMs, bMs) || compareDigits(aSeq, bSeq)
}

/** The milliseconds since the epoch at which Redis appended the entry. */
export const streamIdMs = (id: string): number => Number(parts(id)[0])
