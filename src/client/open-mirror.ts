// `mirror({url, token}, kind, id)`: a mirror kept by an event socket shared by every such mirror with
// the same server, token and connection options. The first opens it, following the actor's topic at
// the upgrade; later ones follow theirs through the subscriber's `mirror()` (a `subscribe` frame, and
// its bridge until that frame is proven: ./bridge.ts). Closing a mirror unfollows its topic when no
// other mirror needs it; closing the last closes the socket.
import type { Mirror } from "./mirror.ts"
import { Subscriber, type SubscribeOptions } from "./subscriber.ts"
import type { ActorKind } from "./types.ts"

export type MirrorOptions = Omit<SubscribeOptions, "topics" | "since" | "onEvent">

/** The options that decide whether two mirrors may share a socket (callbacks aside). */
type Shape = Omit<MirrorOptions, "onError" | "onStatus">

interface Shared {
  readonly shape: Shape
  readonly subscriber: Subscriber
  /** Each mirror's callbacks, once per mirror. */
  readonly errorListeners: Array<NonNullable<MirrorOptions["onError"]>>
  readonly statusListeners: Array<NonNullable<MirrorOptions["onStatus"]>>
  mirrors: number
  /** The socket stopped for good (a refused token): new mirrors open another. */
  readonly stopped: boolean
}

const SHAPE_KEYS = ["url", "token", "WebSocket", "fetch", "backoff", "dedupeWindow", "bridgeIdleMs"] as const satisfies ReadonlyArray<
  keyof Shape
>

const shared: Shared[] = []

const sameShape = (a: Shape, b: Shape): boolean => SHAPE_KEYS.every((key) => a[key] === b[key])

const without = <T>(list: T[], item: T | undefined): void => {
  const index = item === undefined ? -1 : list.indexOf(item)
  if (index >= 0) list.splice(index, 1)
}

function open(options: MirrorOptions, topic: string): Shared {
  const { onError: _onError, onStatus: _onStatus, ...shape } = options
  const errorListeners: Shared["errorListeners"] = []
  const statusListeners: Shared["statusListeners"] = []
  let stopped = false
  const subscriber = new Subscriber(
    {
      ...shape,
      topics: [topic],
      onError: (error) => {
        for (const listener of [...errorListeners]) listener(error)
      },
      onStatus: (status) => {
        if (status === "closed") stopped = true
        for (const listener of [...statusListeners]) listener(status)
      },
    },
    [topic],
  )
  const entry: Shared = {
    shape,
    subscriber,
    errorListeners,
    statusListeners,
    mirrors: 0,
    get stopped() {
      return stopped
    },
  }
  shared.push(entry)
  return entry
}

/**
 * A mirror of `kind:id` on the socket shared with the other mirrors of the same server and token
 * (`onError` and `onStatus` hear that socket); it opens with the first and closes with the last.
 */
export function mirror<K extends ActorKind>(options: MirrorOptions, kind: K, id: string): Mirror<K> {
  const { onError, onStatus, ...shape } = options
  const entry = shared.find((candidate) => !candidate.stopped && sameShape(candidate.shape, shape)) ?? open(options, `${kind}:${id}`)
  entry.mirrors += 1
  if (onError) entry.errorListeners.push(onError)
  if (onStatus) entry.statusListeners.push(onStatus)
  const copy = entry.subscriber.mirror(kind, id)
  const close = copy.close.bind(copy)
  let closed = false
  return Object.assign(copy, {
    close: () => {
      if (closed) return
      closed = true
      close()
      without(entry.errorListeners, onError)
      without(entry.statusListeners, onStatus)
      entry.mirrors -= 1
      if (entry.mirrors > 0) return
      shared.splice(shared.indexOf(entry), 1)
      void entry.subscriber.close()
    },
  })
}
