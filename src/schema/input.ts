// PROTOCOL.md's input rules for every HTTP body, WebSocket frame and raw inbox entry, checked before
// any Schema (or anything else recursive) runs over the value: valid UTF-8 bytes, JSON text, nesting
// at most MAX_JSON_DEPTH levels, no NUL character and no unpaired surrogate in any string or field
// name, and only finite numbers. Every check is iterative, so no input can overflow the stack here.
// V8's JSON.parse is itself iterative (a 1,000,000-deep array parses), so depth is checked on the
// parsed value, where the path of the offending field is known. `parseJsonInput` (errors.ts) applies them.

/** Containers nested deeper than this are refused; `[]` is one level, `[[]]` two. */
export const MAX_JSON_DEPTH = 64

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** A NUL, or a surrogate code unit that is not half of a pair (with `u`, a pair is one code point). */
const FORBIDDEN_CHARACTER = /[\0\p{Cs}]/u

/** Path segments shown in a message before it is cut with `…` (a depth error's path is long). */
const SHOWN_SEGMENTS = 8

type Segment = string | number

interface Node {
  readonly value: unknown
  readonly depth: number
  readonly parent: Node | undefined
  readonly key: Segment | undefined
}

function segmentsOf(node: Node): Segment[] {
  const segments: Segment[] = []
  for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) segments.push(at.key)
  return segments.reverse()
}

/** `a.b.0`, or `body` for the top level; cut after SHOWN_SEGMENTS segments. */
function pathText(prefix: ReadonlyArray<Segment>, node: Node): string {
  const segments = [...prefix, ...segmentsOf(node)]
  if (segments.length === 0) return "body"
  const shown = segments.slice(0, SHOWN_SEGMENTS).join(".")
  return segments.length > SHOWN_SEGMENTS ? `${shown}.…` : shown
}

const characterProblem = (text: string): string | undefined => {
  const found = FORBIDDEN_CHARACTER.exec(text)
  if (found === null) return undefined
  return found[0] === "\0" ? "holds a NUL character (\\u0000)" : "holds an unpaired surrogate"
}

/**
 * The first input-rule violation in a JSON-like value, as `<path>: <what>` (the path after the
 * segments `at`), or undefined when it keeps the rules. Values other than strings, numbers, arrays
 * and objects are left to the Schema.
 */
export function inputRuleViolation(value: unknown, at: ReadonlyArray<Segment> = []): string | undefined {
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: undefined }]
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const current = node.value
    if (typeof current === "string") {
      const problem = characterProblem(current)
      if (problem !== undefined) return `${pathText(at, node)}: ${problem}`
    } else if (typeof current === "number") {
      if (!Number.isFinite(current)) return `${pathText(at, node)}: expected a finite number, got ${current}`
    } else if (typeof current === "object" && current !== null) {
      const depth = node.depth + 1
      if (depth > MAX_JSON_DEPTH) return `${pathText(at, node)}: nested deeper than ${MAX_JSON_DEPTH} levels`
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], depth, parent: node, key: i })
      } else {
        const keys = Object.keys(current)
        for (let i = keys.length - 1; i >= 0; i -= 1) {
          const key = keys[i] as string
          const problem = characterProblem(key)
          if (problem !== undefined) return `${pathText(at, node)}: field name ${JSON.stringify(key)} ${problem}`
          stack.push({ value: (current as Record<string, unknown>)[key], depth, parent: node, key })
        }
      }
    }
  }
  return undefined
}

/** The text of UTF-8 `bytes`, or undefined when they are not valid UTF-8 (never replaced with U+FFFD). */
export function utf8Text(bytes: ArrayBuffer | Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}
