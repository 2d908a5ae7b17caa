// Decodes the server's frames by their `type`: the member of the frame union named by the frame's
// own `type` is decoded alone (a third of the union's cost for the frames a bot gets most, acks),
// and a frame of no known type is decoded with the whole union, for its error message.
import type { Schema } from "effect"
import { decodeOr, type Decoded } from "../schema/errors.ts"

type FrameSchema = Schema.ConstraintDecoder<unknown>

interface FrameUnion<S extends FrameSchema> {
  readonly members: ReadonlyArray<S>
}

export const frameDecoder = <S extends FrameSchema & { readonly fields: { readonly type: { readonly literal: unknown } } }>(
  union: FrameSchema & FrameUnion<S>,
): ((value: unknown) => Decoded<unknown>) => {
  const byType = new Map<unknown, FrameSchema>(union.members.map((member) => [member.fields.type.literal, member]))
  return (value) => {
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined
    return decodeOr(byType.get(type) ?? union, value)
  }
}
