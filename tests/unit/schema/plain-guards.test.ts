// The plain checks' field guards (src/schema/plain.ts `fieldGuard`) answer exactly what `Schema.is` answers, for
// every sort of leaf the commands' and frames' payloads are made of (ids, counts, ranges, times, names, literals and
// unions of them, booleans, JSON values), over values of every sort, near their bounds included.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  ActorKind,
  Capability,
  GroupKey,
  HealthStatus,
  IsoTime,
  Json,
  Load,
  NonEmptyString,
  NonNegativeInt,
  Priority,
  Progress,
  ProgressMessage,
  StreamId,
  Uuid,
} from "../../../src/schema/common.ts"
import { FrameId } from "../../../src/schema/frames.ts"
import { fieldGuard } from "../../../src/schema/plain.ts"
import { TaskState } from "../../../src/schema/states.ts"
import { ID, VALUES } from "../../support/plain-commands.ts"

const LEAVES: Readonly<Record<string, Schema.Top>> = {
  Uuid,
  NonNegativeInt,
  Priority,
  Progress,
  ProgressMessage,
  Load,
  IsoTime,
  StreamId,
  Capability,
  GroupKey,
  NonEmptyString,
  FrameId,
  ActorKind,
  HealthStatus,
  TaskState,
  Json,
  String: Schema.String,
  Number: Schema.Number,
  Boolean: Schema.Boolean,
  Literal: Schema.Literal("CREATE"),
  optionalUuid: Schema.optionalKey(Uuid),
  optionalInt: Schema.optionalKey(NonNegativeInt),
}

/** Values near each leaf's bounds, besides the shared ones. */
const EDGES: ReadonlyArray<unknown> = [
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  4,
  5,
  1.0000001,
  -0.5,
  2 ** 53 - 1,
  2 ** 53 + 2,
  ID.toUpperCase(),
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  `${ID} `,
  "0193a0c4-1f2e-9a3b-8c4d-5e6f7a8b9c0d",
  "2026-11-21T10:00:00Z",
  "2026-11-21T10:00:00.123456789Z",
  "2026-13-45T10:00:00Z",
  "2026-11-21T10:00:00+01:00",
  "1732185600000-3",
  "1732185600000-",
  "code.review:v2",
  "Code",
  "a".repeat(64),
  "a".repeat(65),
  "f".repeat(128),
  "f".repeat(129),
  "tenant@acme",
  "a/b",
  "m".repeat(1024),
  "session",
  "task",
  "CREATE",
  "degraded",
  { toString: () => ID },
  new String(ID),
  Symbol("s"),
  10n,
  () => ID,
]

describe("plain field guards", () => {
  it("answer what Schema.is answers, for every leaf and value", () => {
    for (const [name, schema] of Object.entries(LEAVES)) {
      const ours = fieldGuard(schema)
      const theirs = Schema.is(schema as Schema.Codec<unknown>)
      for (const value of [...VALUES, ...EDGES]) expect({ name, value, is: ours(value) }).toEqual({ name, value, is: theirs(value) })
    }
  })
})
