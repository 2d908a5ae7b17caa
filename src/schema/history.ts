// The queries of the history reads: `GET /actors/{kind}/{id}/history?after_version=&limit=` (time travel,
// PROTOCOL v1.1) and `GET /sessions/{id}/timeline?limit=&cursor=` (a session's and its tasks' transitions, by page).
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

/** A timeline page holds at most this many transitions, and that many when `limit` is not given (a session of
 * up to a few hundred tasks in one page, as before there were pages). */
export const TIMELINE_MAX_LIMIT = 1_000

export const TimelineQuery = wire(
  "TimelineQuery",
  Schema.Struct({
    limit: Whole.check(Schema.isBetween({ minimum: 1, maximum: TIMELINE_MAX_LIMIT })).pipe(
      Schema.withDecodingDefaultKey(Effect.succeed(String(TIMELINE_MAX_LIMIT))),
    ),
    /** The `next_cursor` of the page before (the last transition it holds); absent: from the session's creation. */
    cursor: Schema.optionalKey(Whole),
  }),
)
export type TimelineQuery = typeof TimelineQuery.Type
