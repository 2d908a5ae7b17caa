// Plain checks of Structs of plain fields (no transformation beyond the snake-casing on the wire): the value a
// Struct's strict decode gives, built field by field with each field's own `Schema.is`, or undefined for anything
// else (the Schema then decodes it, to name what is wrong). A field may be a snake-cased Struct of plain fields
// itself, or a list of them, once noted (`plainNested`: a session's tasks). Shared by the inbox commands' payloads
// (commands.ts), the bots' frames (frames.ts), the events (event-stream.ts) and the large HTTP bodies (http.ts).
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

/** What a field's step answers for a value its Schema would refuse (a member's value may be `undefined`). */
const REFUSED: unique symbol = Symbol("refused")
type Refused = typeof REFUSED

/** One field of a payload Struct that decodes without a transformation, as the plain checks read and write it. */
interface PlainField {
  readonly name: string
  readonly wire: string
  readonly optional: boolean
  /** The value a decode fills in when the key is absent (`absentEncoded`: the same default in the stream form). */
  readonly absent?: unknown
  readonly absentEncoded?: unknown
  /** The value in memory of a value in the stream form, REFUSED where the field's Schema refuses it. */
  readonly decode: (u: unknown) => unknown
  /** The value in the stream form of a value in memory (`fill`: the defaults a nested Struct leaves out written in),
   * REFUSED where the field's Schema refuses it. */
  readonly encode: (u: unknown, fill: boolean) => unknown
}

/** A field's decoding default (`Schema.withDecodingDefaultKey`): the field without it, and the value filled in. */
export type DefaultOf = (field: Schema.Top) => { readonly field: Schema.Top; readonly value: unknown } | undefined

/** The fields of the snake-cased Structs checked plainly where they are a field of another Struct, or the item of a list
 * field (`plainNested`), by the Struct's AST. */
const nestedStructs = new WeakMap<SchemaAST.AST, ReadonlyArray<PlainField>>()

/**
 * Notes `schema`, the snake-cased Struct of `fields` (`snakeCased` or `wire`: every key renamed by `snakeCase`, nothing
 * else), so that a Struct with a field of it, or of a list of it (`Schema.Array(schema)` without checks of its own),
 * is checked plainly too, when its own fields are plain; `schema` is given back. A Struct whose fields are not plain
 * is not noted (the Structs holding it stay the Schema's).
 */
export const plainNested = <S extends Schema.Top>(schema: S, fields: Schema.Struct.Fields, defaultOf?: DefaultOf): S => {
  const checks = plainFields(fields, defaultOf)
  if (checks !== undefined) nestedStructs.set(schema.ast, checks)
  return schema
}

/** A field's two steps: a flat one's value is the same in both forms (its `Schema.is` checks it); a noted Struct's and a
 * list of them field by field; undefined for any other field. */
function stepsOf(field: Schema.Top): Pick<PlainField, "decode" | "encode"> | undefined {
  const { ast } = field
  if (ast.encoding === undefined && isFlat(ast)) {
    const is = fieldGuard(field)
    const same = (u: unknown) => (is(u) ? u : REFUSED)
    return { decode: same, encode: same }
  }
  const struct = nestedStructs.get(ast)
  if (struct !== undefined) return { decode: (u) => decodeStruct(struct, u), encode: (u, fill) => encodeStruct(struct, u, fill) }
  const item =
    SchemaAST.isArrays(ast) && ast.encoding === undefined && ast.checks === undefined && ast.elements.length === 0 && ast.rest.length === 1
      ? nestedStructs.get(ast.rest[0]!)
      : undefined
  if (item === undefined) return undefined
  return {
    decode: (u) => eachOf(u, (one) => decodeStruct(item, one)),
    encode: (u, fill) => eachOf(u, (one) => encodeStruct(item, one, fill)),
  }
}

/** A list's items, each through `step`; REFUSED when it is not a list or `step` refuses an item. */
function eachOf(list: unknown, step: (u: unknown) => unknown): unknown {
  if (!Array.isArray(list)) return REFUSED
  const out: unknown[] = new Array(list.length)
  for (let i = 0; i < list.length; i++) {
    const one = step(list[i])
    if (one === REFUSED) return REFUSED
    out[i] = one
  }
  return out
}

/** The fields of a Struct whose fields decode without a transformation (no renaming beyond the snake-casing; a
 * default only when `defaultOf` knows it; a nested Struct, or a list of them, only when `plainNested` noted it), in
 * order; undefined for any other Struct. */
export function plainFields(fields: Schema.Struct.Fields, defaultOf: DefaultOf = () => undefined): ReadonlyArray<PlainField> | undefined {
  const checks: PlainField[] = []
  for (const name of Object.keys(fields)) {
    const declared = fields[name] as Schema.Top
    const defaulted = defaultOf(declared)
    const field = defaulted?.field ?? declared
    const steps = stepsOf(field)
    if (steps === undefined) return undefined
    const check = { name, wire: snakeCase(name), optional: SchemaAST.isOptional(field.ast), ...steps }
    if (defaulted === undefined) {
      checks.push(check)
      continue
    }
    // The default is given in the stream form (`Schema.withDecodingDefaultKey`); the decode fills in its value in memory.
    const absent = steps.decode(defaulted.value)
    if (absent === REFUSED) return undefined
    checks.push({ ...check, absent, absentEncoded: defaulted.value })
  }
  return checks
}

/** A plain object, as JSON.parse makes them and the runtime builds them. */
export const isPlainRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype

/** A Struct's value in the stream form decoded field by field (see `plainDecoder`), REFUSED for anything else. */
function decodeStruct(checks: ReadonlyArray<PlainField>, payload: unknown): Record<string, unknown> | Refused {
  if (!isPlainRecord(payload)) return REFUSED
  const decoded: Record<string, unknown> = {}
  let found = 0
  for (const check of checks) {
    if (!Object.hasOwn(payload, check.wire)) {
      if ("absent" in check) decoded[check.name] = check.absent
      else if (!check.optional) return REFUSED
      continue
    }
    const value = check.decode(payload[check.wire])
    if (value === REFUSED) return REFUSED
    decoded[check.name] = value
    found += 1
  }
  return Object.keys(payload).length === found ? decoded : REFUSED
}

/** A Struct's value in memory encoded field by field (see `plainEncoder`), REFUSED for anything else. */
function encodeStruct(checks: ReadonlyArray<PlainField>, payload: unknown, fill: boolean): Record<string, unknown> | Refused {
  if (!isPlainRecord(payload)) return REFUSED
  const encoded: Record<string, unknown> = {}
  let found = 0
  for (const check of checks) {
    if (!Object.hasOwn(payload, check.name)) {
      if (fill && "absent" in check) encoded[check.wire] = check.absentEncoded
      else if (!check.optional || "absent" in check) return REFUSED
      continue
    }
    const value = check.encode(payload[check.name], fill)
    if (value === REFUSED) return REFUSED
    encoded[check.wire] = value
    found += 1
  }
  return Object.keys(payload).length === found ? encoded : REFUSED
}

/**
 * The check a command's payload Struct makes, written out for a Struct of plain fields (`plainFields`): a JSON
 * object (as JSON.parse makes it) whose keys are the fields' stream names, each required one present and every
 * value passing its field's own Schema (`Schema.is`; a nested Struct's field by field), decodes to the same values
 * under the camelCase names, in the fields' order. Anything else (an unknown field, a value that fails) is left to
 * the Schema, whose refusal names it. `issue`: a check across fields that the Schema makes too (its filter), run on
 * the decoded value: only a value it finds nothing wrong with (undefined) is taken. About a tenth of the cost of the
 * Schema decode of the runtime's and bots' everyday commands (tests/unit/schema/plain-payload.test.ts holds the two
 * to the same answers).
 */
export const plainDecoder =
  (checks: ReadonlyArray<PlainField>, issue?: (decoded: never) => unknown): PlainPayload =>
  (payload) => {
    const decoded = decodeStruct(checks, payload)
    return decoded === REFUSED || (issue !== undefined && issue(decoded as never) !== undefined) ? undefined : decoded
  }

/**
 * The other way round, for the runtime's own commands (`inboxStreamPayload`): a payload in memory (camelCase) whose
 * keys are the fields' names, every required one present (a field with a decoding default too) and every value
 * passing its field's own Schema, is encoded to the same values under the stream names, in the fields' order, as
 * the Schema encodes it; anything else is left to the Schema (tests/unit/schema/plain-encode.test.ts holds the two
 * to the same answers). `fill` (what the edge appends: the command decoded, then encoded): a defaulted field left
 * out, at any depth, is written in with its default, as the decode fills it in and the encode writes it.
 */
export const plainEncoder =
  (checks: ReadonlyArray<PlainField>, options: { readonly fill?: boolean } = {}): PlainPayload =>
  (payload) => {
    const encoded = encodeStruct(checks, payload, options.fill === true)
    return encoded === REFUSED ? undefined : encoded
  }
