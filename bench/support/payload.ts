// The payload of every no-op task and job the bench submits, on both sides: issue 7 states a no-op task's bytes for a
// 100-byte payload, so each one is padded to PAYLOAD_BYTES of JSON (its number, what a scenario adds such as the
// submit time dispatch measures from, then a `pad` string).

/** The JSON length of every payload. */
export const PAYLOAD_BYTES = 100

/** Task `i`'s payload with `extra` members, its JSON exactly PAYLOAD_BYTES long (longer only if `extra` alone is). */
export const noopPayload = (i: number, extra: Readonly<Record<string, number>> = {}): Record<string, unknown> => {
  const base = { i, ...extra }
  // `,"pad":""` is what the member adds with an empty string
  const room = PAYLOAD_BYTES - JSON.stringify(base).length - ',"pad":""'.length
  return { ...base, pad: "x".repeat(Math.max(0, room)) }
}
