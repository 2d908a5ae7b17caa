// One compiled decoder and encoder per Schema. `Schema.decodeUnknownResult(schema)` builds its
// parser on every call (about 6 µs each, measured); the hot path decodes every inbox entry, command
// and stored context, so each Schema's functions are built once and kept here.
import { Schema } from "effect"

type Decodable = Schema.ConstraintDecoder<unknown>
type Encodable = Schema.ConstraintEncoder<unknown>
type DecodeFn<S extends Decodable> = ReturnType<typeof Schema.decodeUnknownResult<S>>
type EncodeFn<S extends Encodable> = ReturnType<typeof Schema.encodeUnknownResult<S>>

/** `build(schema)`, built once per schema. */
const once = <K extends object, V>(build: (schema: K) => V): ((schema: K) => V) => {
  const built = new WeakMap<K, V>()
  return (schema) => {
    let value = built.get(schema)
    if (value === undefined) {
      value = build(schema)
      built.set(schema, value)
    }
    return value
  }
}

const decoders = once((schema: Decodable) => Schema.decodeUnknownResult(schema))
const encoders = once((schema: Encodable) => Schema.encodeUnknownResult(schema))

/** `Schema.decodeUnknownResult(schema)`, built once per schema. */
export const decoderOf = <S extends Decodable>(schema: S): DecodeFn<S> => decoders(schema) as DecodeFn<S>

/** `Schema.encodeUnknownResult(schema)`, built once per schema. */
export const encoderOf = <S extends Encodable>(schema: S): EncodeFn<S> => encoders(schema) as EncodeFn<S>
