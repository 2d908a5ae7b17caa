// One compiled decoder and encoder per Schema. `Schema.decodeUnknownResult(schema)` builds its
// parser on every call (about 6 µs each, measured); the hot path decodes every inbox entry, command
// and stored context, so each Schema's functions are built once and kept here.
import { Schema } from "effect"

type Decodable = Schema.ConstraintDecoder<unknown>
type Encodable = Schema.ConstraintEncoder<unknown>
type DecodeFn<S extends Decodable> = ReturnType<typeof Schema.decodeUnknownResult<S>>
type EncodeFn<S extends Encodable> = ReturnType<typeof Schema.encodeUnknownResult<S>>

const decoders = new WeakMap<Decodable, unknown>()
const encoders = new WeakMap<Encodable, unknown>()

/** `Schema.decodeUnknownResult(schema)`, built once per schema. */
export const decoderOf = <S extends Decodable>(schema: S): DecodeFn<S> => {
  let decode = decoders.get(schema) as DecodeFn<S> | undefined
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(schema)
    decoders.set(schema, decode)
  }
  return decode
}

/** `Schema.encodeUnknownResult(schema)`, built once per schema. */
export const encoderOf = <S extends Encodable>(schema: S): EncodeFn<S> => {
  let encode = encoders.get(schema) as EncodeFn<S> | undefined
  if (encode === undefined) {
    encode = Schema.encodeUnknownResult(schema)
    encoders.set(schema, encode)
  }
  return encode
}
