// An HTTP request body as JSON text, checked before it is parsed: valid UTF-8 (never altered into
// U+FFFD) and nested at most MAX_JSON_DEPTH levels (PROTOCOL "Input rules"), so no deep structure
// ever reaches a recursive decoder or error formatter.
import { validationError } from "../../schema/errors.ts"

const MAX_JSON_DEPTH = 64

const utf8 = new TextDecoder("utf-8", { fatal: true })

const OPEN_OBJECT = 0x7b
const OPEN_ARRAY = 0x5b
const CLOSE_OBJECT = 0x7d
const CLOSE_ARRAY = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Whether brackets outside strings nest deeper than `max` (one pass over the text, no parsing). */
const nestedDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--
  }
  return false
}

/** The body's text; throws `validation_failed` for invalid UTF-8 or nesting deeper than MAX_JSON_DEPTH. */
export const bodyText = (bytes: Uint8Array): string => {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw validationError("body: not valid UTF-8")
  }
  if (nestedDeeperThan(text, MAX_JSON_DEPTH)) throw validationError(`body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
  return text
}
