// Decodes the server's frames by their `type`: a plain check first when the caller has one (src/schema/plain.ts:
// the same answers as the Schema for the everyday frames, at a tenth of its cost), else the member of the frame union
// named by the frame's own `type` decoded alone (a third of the union's cost), and a frame of no known type decoded
// with the whole union, for its error message.
import type { Schema } from "effect"
import { decodeOr, type Decoded } from "../schema/errors.ts"

type FrameSchema = Schema.ConstraintDecoder<unknown>

interface FrameUnion<S extends FrameSchema> {
  readonly members: ReadonlyArray<S>
}

/** A frame as the union decodes it, checked field by field; undefined when the Schema must decode it. */
export type PlainFrameCheck = (value: unknown) => unknown

export const frameDecoder = <S extends FrameSchema & { readonly fields: { readonly type: { readonly literal: unknown } } }>(
  union: FrameSchema & FrameUnion<S>,
  plain?: PlainFrameCheck,
): ((value: unknown) => Decoded<unknown>) => {
  const byType = new Map<unknown, FrameSchema>(union.members.map((member) => [member.fields.type.literal, member]))
  return (value) => {
    const checked = plain?.(value)
    if (checked !== undefined) return { ok: true, value: checked }
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined
    return decodeOr(byType.get(type) ?? union, value)
  }
}
