// `mirror({url, token}, kind, id)`: a mirror with its own event socket following just that actor's
// topic (subscribed at the upgrade, so its `GET` can miss nothing); closing the mirror closes it.
import type { Mirror } from "./mirror.ts"
import { subscribe, type SubscribeOptions } from "./subscriber.ts"
import type { ActorKind } from "./types.ts"

export type MirrorOptions = Omit<SubscribeOptions, "topics" | "since" | "onEvent">

export function mirror<K extends ActorKind>(options: MirrorOptions, kind: K, id: string): Mirror<K> {
  const subscriber = subscribe({ ...options, topics: [`${kind}:${id}`] })
  const copy = subscriber.mirror(kind, id)
  const close = copy.close.bind(copy)
  return Object.assign(copy, {
    close: () => {
      close()
      void subscriber.close()
    },
  })
}
