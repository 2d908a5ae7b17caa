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

/** The guards of the keywords a leaf field is made of, as the parser checks them before the field's filters. */
const KEYWORD_GUARDS: Readonly<Record<string, (u: unknown) => boolean>> = {
  String: (u) => typeof u === "string",
  Number: (u) => typeof u === "number",
  Boolean: (u) => typeof u === "boolean",
}

/** A literal, with neither filters nor an encoding of its own. */
const isBareLiteral = (ast: SchemaAST.AST): ast is SchemaAST.Literal =>
  SchemaAST.isLiteral(ast) && ast.checks === undefined && ast.encoding === undefined

/** `Schema.is` written out for a leaf without an encoding: a string, number or boolean keyword whose checks are all
 * filters (the keyword's guard, then each filter run as the parser runs it, its answer `undefined` when it passes), a
 * literal, or a union of literals; undefined for anything else. */
function leafGuard(ast: SchemaAST.AST): ((u: unknown) => boolean) | undefined {
  if (ast.encoding !== undefined) return undefined
  if (isBareLiteral(ast)) {
    const { literal } = ast
    return (u) => u === literal
  }
  if (SchemaAST.isUnion(ast) && ast.checks === undefined && ast.types.every(isBareLiteral)) {
    const literals = new Set<unknown>(ast.types.map((type) => type.literal))
    return (u) => literals.has(u)
  }
  const keyword = Object.hasOwn(KEYWORD_GUARDS, ast._tag) ? KEYWORD_GUARDS[ast._tag] : undefined
  const checks = ast.checks ?? []
  if (keyword === undefined || !checks.every((check) => check._tag === "Filter")) return undefined
  const filters = checks as ReadonlyArray<SchemaAST.Filter<unknown>>
  /** The options `Schema.is` parses with (the parser's defaults). */
  const options: SchemaAST.ParseOptions = {}
  return (u) => {
    if (!keyword(u)) return false
    for (const filter of filters) if (filter.run(u, ast, options) !== undefined) return false
    return true
  }
}

/**
 * A field's `Schema.is`, the same answers: written out for the leaves everyday payloads are made of (ids, counts,
 * times, names: `leafGuard`), which skips the parser's run inside an Effect (most of the cost of a plain check); the
 * Schema's own for anything else (tests/unit/schema/plain-guards.test.ts holds the two to the same answers).
 */
export const fieldGuard = <S extends Schema.Top>(field: S): ((u: unknown) => u is S["Type"]) =>
  (leafGuard(field.ast) as ((u: unknown) => u is S["Type"]) | undefined) ?? Schema.is(field as unknown as Schema.Codec<S["Type"]>)

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
      is: fieldGuard(field),
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
