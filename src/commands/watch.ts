// `clawbot watch [topics…]`: live transitions, one line each (coloured on a terminal, JSON lines
// with --json), resuming after a lost connection; on exit it prints the cursor to resume from.
import { subscribe, type SubscribedEvent } from "../client/node.ts"
import { paint, stateColour } from "./format.ts"
import { EXIT, failed, numberOption, type Command } from "./operator.ts"

const DEFAULT_TOPICS = ["sessions", "tasks", "agents"]

const line = (event: SubscribedEvent, color: boolean): string => {
  const c = paint(color)
  const time = event.at.slice(11, 23)
  const from = event.from === null ? c("gray", "(new)") : c(stateColour(event.from), event.from)
  return `${c("gray", time)} ${event.kind.padEnd(7)} ${event.actor_id} ${c("gray", `v${event.version}`)} ${from} → ${c(stateColour(event.to), event.to)} ${c("bold", event.event)}\n`
}

export const watchCommand: Command = {
  args: "[topics…] [--since CURSOR] [--count N]",
  summary: "Prints each transition as it happens; topics: sessions, tasks, agents, machines, session:<id>, task:<id>, agent:<id>",
  read: true,
  options: { since: { type: "string" }, count: { type: "string" } },
  help: ["--since CURSOR  replay what came after this cursor first (printed when watch exits)", "--count N       exit after N transitions"],
  async run(ctx) {
    const topics = ctx.positionals.length > 0 ? ctx.positionals.flatMap((topic) => topic.split(",")) : DEFAULT_TOPICS
    const count = numberOption(ctx.values, "count")
    let stopped: number | undefined
    const sub = subscribe({
      url: ctx.url,
      token: ctx.token,
      topics,
      since: ctx.values.since as string | undefined,
      onError: (error) => ctx.io.err(`clawbot watch: ${error.code}: ${error.message}\n`),
      onStatus: (status) => {
        if (status === "open") ctx.io.err(`clawbot watch: following ${topics.join(", ")}\n`)
        if (status === "reconnecting") ctx.io.err("clawbot watch: connection lost; reconnecting to resume where it was\n")
      },
    })
    const stop = () => void sub.close()
    ctx.io.signal.addEventListener("abort", stop, { once: true })
    let seen = 0
    try {
      for await (const event of sub) {
        ctx.io.out(ctx.json ? `${JSON.stringify(event)}\n` : line(event, ctx.io.color))
        seen += 1
        if (count !== undefined && seen >= count) break
      }
    } catch (error) {
      stopped = failed(ctx.io, "watch", error)
    } finally {
      ctx.io.signal.removeEventListener("abort", stop)
      await sub.close()
    }
    if (sub.cursor !== undefined) ctx.io.err(`clawbot watch: resume with --since ${sub.cursor}\n`)
    return stopped ?? EXIT.ok
  },
}
