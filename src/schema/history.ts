// The query of `GET /actors/{kind}/{id}/history?after_version=&limit=` (time travel, PROTOCOL v1.1).
import { Effect, Schema, SchemaTransformation } from "effect"
import { NonNegativeInt } from "./common.ts"
import { wire } from "./wire.ts"

const Whole = Schema.String.check(Schema.isPattern(/^\d{1,15}$/u, { expected: "a whole number" })).pipe(
  Schema.decodeTo(NonNegativeInt, SchemaTransformation.numberFromString),
)

export const HISTORY_MAX_LIMIT = 1_000

export const HistoryQuery = wire(
  "HistoryQuery",
  Schema.Struct({
    /** Transitions with a higher version; 0 (the default) starts at the creation. */
    afterVersion: Whole.pipe(Schema.withDecodingDefaultKey(Effect.succeed("0"))),
    limit: Whole.check(Schema.isBetween({ minimum: 1, maximum: HISTORY_MAX_LIMIT })).pipe(
      Schema.withDecodingDefaultKey(Effect.succeed("100")),
    ),
  }),
)
export type HistoryQuery = typeof HistoryQuery.Type
