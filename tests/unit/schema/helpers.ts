// Test helpers for the schema suites: unwrap decode results, fixed ids, and JSON Schema lookups.
import { Schema } from "effect"
import type { ApiError, Decoded } from "../../../src/schema/errors.ts"

export const ID = {
  a: "6f1c2a3e-1b2c-4d5e-8f90-123456789abc",
  b: "7a2d3b4f-2c3d-4e6f-9a01-23456789abcd",
  c: "8b3e4c50-3d4e-4f70-a112-3456789abcde",
} as const

export function value<T>(result: Decoded<T>): T {
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`)
  return result.value
}

export function failure<T>(result: Decoded<T>): ApiError {
  if (result.ok) throw new Error(`expected failure, got: ${JSON.stringify(result.value)}`)
  return result.error
}

export const message = <T>(result: Decoded<T>): string => failure(result).message

type JsonSchema = {
  readonly $ref?: string
  readonly required?: ReadonlyArray<string>
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly anyOf?: ReadonlyArray<JsonSchema>
}

/** The JSON Schema of `schema` with its root `$ref` resolved, plus a resolver for nested refs. */
export function jsonSchemaOf(schema: Schema.Top): { root: JsonSchema; resolve: (s: JsonSchema) => JsonSchema } {
  const doc = Schema.toJsonSchemaDocument(schema)
  const definitions = doc.definitions as Readonly<Record<string, JsonSchema>>
  const resolve = (s: JsonSchema): JsonSchema => {
    const name = s.$ref?.replace("#/$defs/", "")
    const target = name === undefined ? undefined : definitions[name]
    return target === undefined ? s : resolve(target)
  }
  return { root: resolve(doc.schema as JsonSchema), resolve }
}

/** The required property names of an object schema (root `$ref` resolved). */
export const requiredOf = (schema: Schema.Top): ReadonlyArray<string> => jsonSchemaOf(schema).root.required ?? []
