// Turns the first Schema issue into PROTOCOL.md's error message: `<dot.path>: <lowercase description>`,
// e.g. `payload.task_id: expected a UUID, got "x"`, `payload.task_id: is missing`,
// `type: expected one of "claim_task", ..., got "nope"`; no prefix for a top-level issue.
import { SchemaAST, SchemaIssue } from "effect"

type Path = ReadonlyArray<PropertyKey>

interface Located {
  readonly path: Path
  readonly text: string
}

const MAX_SHOWN = 80

/** Punctuation `show` queues between the values it still has to render. */
class Punctuation {
  constructor(readonly text: string) {}
}

function scalar(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || value === null) return String(value)
  return value === undefined ? "undefined" : `<${typeof value}>`
}

/**
 * Renders a value the way messages quote it: JSON, cut at MAX_SHOWN characters. Iterative and
 * bounded, so a value nested 10,000 deep (or a huge one) costs no stack and little time.
 */
function show(value: unknown): string {
  let text = ""
  const pending: unknown[] = [value]
  while (pending.length > 0 && text.length <= MAX_SHOWN) {
    const next = pending.pop()
    if (next instanceof Punctuation) {
      text += next.text
    } else if (Array.isArray(next)) {
      text += "["
      pending.push(new Punctuation("]"))
      // Each item takes at least two characters: more than MAX_SHOWN of them never show.
      for (let i = Math.min(next.length, MAX_SHOWN) - 1; i >= 0; i -= 1) pending.push(next[i], ...(i > 0 ? [new Punctuation(",")] : []))
    } else if (typeof next === "object" && next !== null) {
      text += "{"
      pending.push(new Punctuation("}"))
      const keys = Object.keys(next).slice(0, MAX_SHOWN)
      for (let i = keys.length - 1; i >= 0; i -= 1) {
        const key = keys[i] as string
        pending.push((next as Record<string, unknown>)[key], new Punctuation(`${i > 0 ? "," : ""}${JSON.stringify(key)}:`))
      }
    } else {
      text += scalar(next)
    }
  }
  return text.length > MAX_SHOWN || pending.length > 0 ? `${text.slice(0, MAX_SHOWN - 1)}…` : text
}

const got = (issue: SchemaIssue.Issue): string => (SchemaIssue.hasInput(issue) ? `, got ${show(issue.input)}` : "")

const isRecord = (u: unknown): u is Readonly<Record<PropertyKey, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

function describe(ast: SchemaAST.AST): string {
  switch (ast._tag) {
    case "String":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "a boolean"
    case "Null":
      return "null"
    case "Literal":
      return show(ast.literal)
    case "Arrays":
      return "an array"
    case "Objects":
      return "an object"
    case "Union":
      return [...new Set(ast.types.map(describe))].join(" or ")
    case "Suspend":
      return describe(ast.thunk())
    default: {
      const expected = ast.annotations?.expected
      return typeof expected === "string" ? expected : "a valid value"
    }
  }
}

const oneOf = (literals: ReadonlyArray<SchemaAST.Literal>): string => `expected one of ${literals.map((l) => show(l.literal)).join(", ")}`

interface Discriminant {
  readonly key: PropertyKey
  readonly literals: ReadonlyArray<SchemaAST.Literal>
}

/** The property whose literal values tell the members of a union of structs apart (e.g. `type`). */
function discriminant(members: ReadonlyArray<SchemaAST.AST>): Discriminant | undefined {
  const objects = members.filter(SchemaAST.isObjects)
  const first = objects[0]
  if (first === undefined || objects.length !== members.length) return undefined
  let best: Discriminant | undefined
  for (const { name } of first.propertySignatures) {
    const literals: SchemaAST.Literal[] = []
    const everyMemberHasLiteral = objects.every((member) => {
      const type = member.propertySignatures.find((p) => p.name === name)?.type
      if (type === undefined || !SchemaAST.isLiteral(type)) return false
      if (!literals.some((l) => l.literal === type.literal)) literals.push(type)
      return true
    })
    if (everyMemberHasLiteral && literals.length > (best?.literals.length ?? 1)) best = { key: name, literals }
  }
  return best
}

/** No member of the union applied: say which values were allowed. */
function noMemberMatched(issue: SchemaIssue.AnyOf, path: Path): Located {
  const members = issue.ast.types.map(SchemaAST.toEncoded)
  if (members.every(SchemaAST.isLiteral)) return { path, text: `${oneOf(members)}${got(issue)}` }
  const input = SchemaIssue.hasInput(issue) ? issue.input : undefined
  const tag = isRecord(input) ? discriminant(members) : undefined
  if (tag !== undefined && isRecord(input)) {
    const at = [...path, tag.key]
    return Object.hasOwn(input, tag.key)
      ? { path: at, text: `${oneOf(tag.literals)}, got ${show(input[tag.key])}` }
      : { path: at, text: "is missing" }
  }
  return { path, text: `expected ${describe(issue.ast)}${got(issue)}` }
}

function expectedText(annotations: { readonly expected?: unknown } | undefined): string | undefined {
  return typeof annotations?.expected === "string" ? annotations.expected : undefined
}

function messageText(annotations: { readonly message?: unknown } | undefined): string | undefined {
  return typeof annotations?.message === "string" ? annotations.message : undefined
}

/** Follows the first issue down to the one that says what is wrong (a loop: issues nest as deep as the input). */
function locate(first: SchemaIssue.Issue): Located {
  let issue = first
  let path: Path = []
  for (;;) {
    switch (issue._tag) {
      case "Pointer":
        path = [...path, ...issue.path]
        issue = issue.issue
        continue
      case "Composite":
        issue = issue.issues[0]
        continue
      case "Encoding":
        issue = issue.issue
        continue
      case "AnyOf": {
        const inner = issue.issues[0]
        if (inner === undefined) return noMemberMatched(issue, path)
        issue = inner
        continue
      }
      case "Filter": {
        const inner = issue.issue
        if (inner._tag !== "InvalidValue") {
          issue = inner
          continue
        }
        const message = messageText(inner.annotations) ?? messageText(issue.filter.annotations)
        if (message !== undefined) return { path, text: message }
        const expected = expectedText(inner.annotations) ?? expectedText(issue.filter.annotations) ?? "a valid value"
        return { path, text: `expected ${expected}${got(inner)}` }
      }
      case "InvalidValue": {
        const message = messageText(issue.annotations)
        const expected = expectedText(issue.annotations)
        return { path, text: message ?? `expected ${expected ?? "a valid value"}${got(issue)}` }
      }
      case "InvalidType":
        // Only a field that must not be there is checked against Never (a record of no fields).
        if (issue.ast._tag === "Never") return { path, text: "unknown field" }
        return { path, text: `expected ${describe(issue.ast)}${got(issue)}` }
      case "MissingKey":
        return { path, text: "is missing" }
      case "UnexpectedKey":
        return { path, text: "unknown field" }
      case "Forbidden":
        return { path, text: messageText(issue.annotations) ?? "cannot be checked here" }
      case "OneOf":
        return { path, text: `matches more than one alternative${got(issue)}` }
    }
  }
}

/** The message for the first issue: `<dot.path>: <description>`, or just the description at the top level. */
export function formatIssue(issue: SchemaIssue.Issue): string {
  const { path, text } = locate(issue)
  return path.length === 0 ? text : `${path.map(String).join(".")}: ${text}`
}
