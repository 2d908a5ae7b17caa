// The wire text of a published event for each topic it is sent under: the live fan-out and the
// `since` replay build their frames here, so a replayed event is byte-for-byte the live one.
import { Schema } from "effect"
import { PublishedEvent } from "../../schema/events.ts"

const encodeEvent = Schema.encodeSync(PublishedEvent)

/** The `{type: "event", cursor, payload}` frame of `event` for one topic; `cursor` is the event's
 * position in the event stream (what `since` takes). The event is encoded once, at the first call. */
export const eventFramer = (event: PublishedEvent, cursor: string): ((topic: string) => string) => {
  let payload: ReturnType<typeof encodeEvent> | undefined
  return (topic) => {
    payload ??= encodeEvent(event)
    return JSON.stringify({ type: "event", cursor, payload: { ...payload, topic } })
  }
}
