// The page's one event subscriber (the client SDK's, following every transition on the `machines`
// topic, the inbox lag and dead letters each second on `fleet`, and each change of the dead letters on
// `dead_letters`, with the stored token) and the live
// fleet copy it feeds, created once a token is known; and the hooks components read them with: useFleet
// re-renders on the fleet's batched changes; useActorEvents hands a component each live event; useMirror
// keeps one actor's view live through the SDK's mirror.
import { useEffect, useState } from "preact/hooks"
import type { Mirror } from "../../../src/client/mirror.ts"
import { subscribe, type Subscriber } from "../../../src/client/subscriber.ts"
import { readToken } from "../token.ts"
import { Fleet } from "./fleet.ts"
import type { ActorEvent, Kind, View } from "./types.ts"

let live: { subscriber: Subscriber; fleet: Fleet } | undefined

/** Follows every transition of every actor (the `machines` topic), the fleet's figures (`fleet`) and the dead letters' changes (`dead_letters`). */
export const startLive = (): Fleet => {
  if (live !== undefined) return live.fleet
  let fleet: Fleet | undefined
  const subscriber = subscribe({
    url: window.location.origin,
    token: readToken() ?? undefined,
    topics: ["machines", "fleet", "dead_letters"],
    onStatus: (status) => fleet?.setStatus(status),
  })
  fleet = new Fleet(subscriber)
  live = { subscriber, fleet }
  return fleet
}

export const stopLive = (): void => {
  void live?.subscriber.close()
  live?.fleet.close()
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

/** Calls `listener` with every live event while the component is mounted (it picks the ones it wants). */
export const useActorEvents = (listener: (event: ActorEvent) => void, deps: ReadonlyArray<unknown>): void => {
  useEffect(() => fleet().onEvent(listener), deps)
}

/** One actor's view, kept live by the SDK's mirror (one GET, then its events' patches); undefined until read. */
export const useMirror = (kind: Kind, id: string): View | undefined => {
  const [view, setView] = useState<View>()
  useEffect(() => {
    startLive()
    setView(undefined)
    const mirror: Mirror = live!.subscriber.mirror(kind, id)
    const stop = mirror.onChange((next) => setView(next as unknown as View))
    if (mirror.view !== undefined) setView(mirror.view as unknown as View)
    return () => {
      stop()
      mirror.close()
    }
  }, [kind, id])
  return view
}
