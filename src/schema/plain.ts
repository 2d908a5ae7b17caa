// Plain checks of Structs of plain fields (no transformation beyond the snake-casing on the wire): the value a
// Struct's strict decode gives, built field by field with each field's own `Schema.is`, or undefined for anything
// else (the Schema then decodes it, to name what is wrong). Shared by the inbox commands' payloads (commands.ts)
// and the bots' frames (frames.ts).
import { Schema, SchemaAST } from "effect"
import { snakeCase } from "./wire.ts"

/** A Struct's value (a command's payload, a bot frame's) checked field by field, as its Schema decodes it in the stream form: the decoded payload, or
 * undefined for anything else (the Schema then decodes it, to name what is wrong). See `plainDecoder`. */
export type PlainPayload = (payload: unknown) => Readonly<Record<string, unknown>> | undefined

/** A field whose `Schema.is` answers as its strict decode does: no object with members of its own at any depth (the
 * decode refuses unknown members there, `is` ignores them); a JSON value (a declaration) or a list of flat ones is. */
const isFlat = (ast: SchemaAST.AST): boolean => {
  switch (ast._tag) {
    case "Objects":
    case "Suspend":
      return false
    case "Arrays":
      return ast.elements.every(isFlat) && ast.rest.every(isFlat)
    case "Union":
      return ast.types.every(isFlat)
    default:
      return true
  }
}

/** One field of a payload Struct that decodes without a transformation, as the plain checks read and write it. */
interface PlainField {
  readonly name: string
  readonly wire: string
  readonly optional: boolean
  readonly is: (u: unknown) => boolean
  /** The value a decode fills in when the key is absent. */
  readonly absent?: unknown
}

/** A field's decoding default (`Schema.withDecodingDefaultKey`): the field without it, and the value filled in. */
export type DefaultOf = (field: Schema.Top) => { readonly field: Schema.Top; readonly value: unknown } | undefined

/** The fields of a Struct whose fields decode without a transformation (no renaming beyond the snake-casing; a
 * default only when `defaultOf` knows it), in order; undefined for any other Struct. */
export function plainFields(fields: Schema.Struct.Fields, defaultOf: DefaultOf = () => undefined): ReadonlyArray<PlainField> | undefined {
  const checks: PlainField[] = []
  for (const name of Object.keys(fields)) {
    const declared = fields[name] as Schema.Top
    const defaulted = defaultOf(declared)
    const field = defaulted?.field ?? declared
    if (field.ast.encoding !== undefined || !isFlat(field.ast)) return undefined
    checks.push({
      name,
      wire: snakeCase(name),
      optional: SchemaAST.isOptional(field.ast),
      is: Schema.is(field as Schema.Codec<unknown>),
      ...(defaulted === undefined ? {} : { absent: defaulted.value }),
    })
  }
  return checks
}

/** A plain object, as JSON.parse makes them and the runtime builds them. */
export const isPlainRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype

/**
 * The check a command's payload Struct makes, written out for a Struct of plain fields (`plainFields`): a JSON
 * object (as JSON.parse makes it) whose keys are the fields' stream names, each required one present and every
 * value passing its field's own Schema (`Schema.is`), decodes to the same values under the camelCase names, in the
 * fields' order. Anything else (an unknown field, a value that fails) is left to the Schema, whose refusal names it.
 * About a tenth of the cost of the Schema decode of the runtime's and bots' everyday commands
 * (tests/unit/schema/plain-payload.test.ts holds the two to the same answers).
 */
export const plainDecoder =
  (checks: ReadonlyArray<PlainField>): PlainPayload =>
  (payload) => {
    if (!isPlainRecord(payload)) return undefined
    const decoded: Record<string, unknown> = {}
    let found = 0
    for (const check of checks) {
      if (!Object.hasOwn(payload, check.wire)) {
        if ("absent" in check) decoded[check.name] = check.absent
        else if (!check.optional) return undefined
        continue
      }
      const value = payload[check.wire]
      if (!check.is(value)) return undefined
      decoded[check.name] = value
      found += 1
    }
    return Object.keys(payload).length === found ? decoded : undefined
  }

/**
 * The other way round, for the runtime's own commands (`inboxStreamPayload`): a payload in memory (camelCase) whose
 * keys are the fields' names, every required one present (a field with a decoding default too) and every value
 * passing its field's own Schema, is encoded to the same values under the stream names, in the fields' order, as
 * the Schema encodes it; anything else is left to the Schema (tests/unit/schema/plain-encode.test.ts holds the two
 * to the same answers).
 */
export const plainEncoder =
  (checks: ReadonlyArray<PlainField>): PlainPayload =>
  (payload) => {
    if (!isPlainRecord(payload)) return undefined
    const encoded: Record<string, unknown> = {}
    let found = 0
    for (const check of checks) {
      if (!Object.hasOwn(payload, check.name)) {
        if (!check.optional || "absent" in check) return undefined
        continue
      }
      const value = payload[check.name]
      if (!check.is(value)) return undefined
      encoded[check.wire] = value
      found += 1
    }
    return Object.keys(payload).length === found ? encoded : undefined
  }
