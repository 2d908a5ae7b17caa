// The hostile inputs of the fuzz suite, drawn from a seeded generator so a run repeats exactly
// (FUZZ_SEED): poison JSON values (NUL, unpaired surrogates, nesting of 65, 1,000 and 10,000 levels,
// infinities, unsafe integers, huge strings), unknown and camelCase fields, random bytes and text,
// each placed in bodies, frames and raw inbox entries that would be valid without it.

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Random = () => number

export const pick = <T>(random: Random, items: ReadonlyArray<T>): T => items[Math.floor(random() * items.length)] as T
export const integer = (random: Random, below: number): number => Math.floor(random() * below)

const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`

/** A poison JSON value, as text: every one breaks an input rule wherever it is placed. */
export interface Poison {
  readonly kind: string
  readonly text: string
}

/** Poisons that break a rule in any slot (strings, numbers or JSON values alike). */
export const POISONS: ReadonlyArray<Poison> = [
  { kind: "nul", text: '"tool output\\u0000with a NUL"' },
  { kind: "nul", text: '"\\u0000"' },
  { kind: "nul_key", text: '{"a\\u0000b":1}' },
  { kind: "surrogate", text: '"\\ud800"' },
  { kind: "surrogate", text: '"ok \\udc00 then"' },
  { kind: "surrogate", text: '"\\ude00\\ud83d"' },
  { kind: "surrogate_key", text: '{"\\udbff":"x"}' },
  { kind: "depth_65", text: arrays(65) },
  { kind: "depth_65", text: objects(65) },
  { kind: "depth_1000", text: arrays(1_000) },
  { kind: "depth_10000", text: arrays(10_000) },
  { kind: "infinity", text: "1e400" },
  { kind: "infinity", text: "-1e999" },
]

/** Poisons only for a slot that wants an integer. */
export const INTEGER_POISONS: ReadonlyArray<Poison> = [
  { kind: "unsafe_integer", text: "12345678901234567890" },
  { kind: "unsafe_integer", text: "-9007199254740993" },
]

const SLOT = '"@@slot@@"'

/** Puts `poison` where `template` (a JSON value) holds the string "@@slot@@". */
export const fill = (template: unknown, poison: Poison): string => JSON.stringify(template).replace(SLOT, poison.text)
export const slot = "@@slot@@"

/** Random printable text (mostly not JSON), up to `max` characters. */
export function randomText(random: Random, max: number): string {
  const alphabet = '{}[]":,0123456789abcdefghijklmnopqrstuvwxyz \\\tnulltruefalse-+.eE'
  return Array.from({ length: 1 + integer(random, max) }, () => pick(random, [...alphabet])).join("")
}

/** Random bytes (mostly not UTF-8), up to `max` of them. */
export const randomBytes = (random: Random, max: number): Buffer =>
  Buffer.from(Array.from({ length: 1 + integer(random, max) }, () => integer(random, 256)))
