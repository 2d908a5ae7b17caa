// Wire shape helper: structs are camelCase in TypeScript and snake_case on the wire (PROTOCOL.md),
// and carry the identifier under which JSON Schema / OpenAPI names the wire shape (inbox command
// payloads, which OpenAPI does not show, are only snake-cased).
import { Schema } from "effect"

type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

type SnakeMapping<F extends Schema.Struct.Fields> = { readonly [K in keyof F]: K extends string ? SnakeCase<K> : K }

/** A camelCase field name as the wire spells it (`taskId` → `task_id`). */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** Renames every camelCase field of `struct` to snake_case on the encoded side. */
export function snakeCased<F extends Schema.Struct.Fields>(struct: Schema.Struct<F>): Schema.encodeKeys<Schema.Struct<F>, SnakeMapping<F>> {
  const mapping = Object.fromEntries(Object.keys(struct.fields).map((key) => [key, snakeCase(key)]))
  return struct.pipe(Schema.encodeKeys<Schema.Struct<F>, SnakeMapping<F>>(mapping as SnakeMapping<F>))
}

/** Renames every camelCase field of `struct` to snake_case on the encoded side and names the wire shape. */
export function wire<F extends Schema.Struct.Fields>(
  identifier: string,
  struct: Schema.Struct<F>,
): Schema.encodeKeys<Schema.Struct<F>, SnakeMapping<F>> {
  return snakeCased(struct).pipe(Schema.annotateEncoded({ identifier }))
}
