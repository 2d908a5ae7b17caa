// Watcher: prints every transition of the topics given (default: sessions and tasks) as it happens,
// without a dashboard; after a lost connection it resumes where it was.
//
// Run it against `npm start` (which prints the URL and the operator token):
//   export CLAWBOT_URL=http://127.0.0.1:8080 CLAWBOT_TOKEN=<operator or viewer token>
//   node --import tsx examples/watcher.ts                 # or: examples/watcher.ts tasks agents session:<id>
//   npx clawbot tasks submit -c echo -t hello             # in another terminal: its transitions appear
import { pathToFileURL } from "node:url"
import { subscribe, type SubscribedEvent, type Subscriber } from "clawbot-coordinator/client"

export const describe = (event: SubscribedEvent): string =>
  `${event.at} ${event.kind} ${event.actor_id} v${event.version}: ${event.from ?? "(new)"} -> ${event.to} on ${event.event}`

export function watch(url: string, token: string | undefined, topics: ReadonlyArray<string>, print: (line: string) => void): Subscriber {
  return subscribe({
    url,
    token,
    topics,
    onEvent: (event) => print(describe(event)),
    onError: (error) => console.error("watcher:", error.code, error.message),
    onStatus: (status) => console.error(`watcher: ${status}`),
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const topics = process.argv.length > 2 ? process.argv.slice(2) : ["sessions", "tasks"]
  const subscriber = watch(process.env.CLAWBOT_URL ?? "http://127.0.0.1:8080", process.env.CLAWBOT_TOKEN, topics, (line) =>
    console.log(line),
  )
  process.once("SIGINT", () => void subscriber.close())
  process.once("SIGTERM", () => void subscriber.close())
}
