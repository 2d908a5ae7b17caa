// The one subscriber and live fleet copy of the page (created once a token is known), and the hooks
// components read them with: useFleet re-renders on the fleet's batched changes; useActorEvents hands
// a component each live event of one actor.
import { useEffect, useState } from "preact/hooks"
import { readToken } from "../token.ts"
import { Fleet } from "./fleet.ts"
import { subscribe, type Subscriber } from "./subscriber.ts"
import type { ActorEvent } from "./types.ts"

let live: { subscriber: Subscriber; fleet: Fleet } | undefined

/** Follows every transition of every actor (the `machines` topic). */
export const startLive = (): Fleet => {
  if (live !== undefined) return live.fleet
  let fleet: Fleet | undefined
  const subscriber = subscribe({ token: readToken() ?? undefined, topics: ["machines"], onStatus: (status) => fleet?.setStatus(status) })
  fleet = new Fleet(subscriber)
  live = { subscriber, fleet }
  return fleet
}

export const stopLive = (): void => {
  live?.subscriber.close()
  live = undefined
}

export const fleet = (): Fleet => startLive()

/** The fleet, re-rendering the caller after each batch of changes. */
export const useFleet = (): Fleet => {
  const current = fleet()
  const [, setRevision] = useState(current.revision)
  useEffect(() => current.onChange(() => setRevision(current.revision)), [current])
  return current
}

/** Calls `listener` with each live event of `kind:id` (or of every actor when `id` is undefined). */
export const useActorEvents = (listener: (event: ActorEvent) => void, deps: ReadonlyArray<unknown>): void => {
  useEffect(() => fleet().onEvent(listener), deps)
}
