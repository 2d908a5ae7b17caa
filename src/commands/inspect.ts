// `clawbot inspect <kind> <id>`: one actor as the runtime holds it: its state and version, its machine's
// states with the current one marked, and its last transitions.
import { ClawbotError, type ActorKind, type MachineDefinition } from "../client/node.ts"
import { paint, stateColour, table } from "./format.ts"
import { EXIT, numberOption, type Command } from "./operator.ts"

const KINDS: ReadonlyArray<ActorKind> = ["session", "task", "agent"]

interface StateNode {
  readonly type?: string
  readonly states?: Readonly<Record<string, StateNode>>
}

/** Every state of a machine definition as a dot path, parents before children, with its type. */
const statePaths = (node: StateNode, prefix = ""): Array<{ path: string; type: string | undefined }> =>
  Object.entries(node.states ?? {}).flatMap(([name, child]) => {
    const path = prefix === "" ? name : `${prefix}.${name}`
    return [{ path, type: child.type }, ...statePaths(child, path)]
  })

export const inspectCommand: Command = {
  args: "<session|task|agent> <id> [--last N]",
  summary: "Shows an actor as the runtime holds it",
  read: true,
  required: 2,
  options: { last: { type: "string" } },
  help: ["--last N   how many of its last transitions (default 10)"],
  async run(ctx) {
    const [kind, id] = ctx.positionals as [string, string]
    if (!KINDS.includes(kind as ActorKind))
      throw new ClawbotError({ code: "validation_failed", message: `kind: expected session, task or agent, got ${JSON.stringify(kind)}` })
    const last = numberOption(ctx.values, "last") ?? 10
    const actorKind = kind as ActorKind
    const [record, machine] = await Promise.all([ctx.admin.actors.get(actorKind, id), ctx.admin.machines.get(actorKind)])
    const history = await ctx.admin.actors.history(actorKind, id, {
      after_version: Math.max(0, record.version - last),
      limit: Math.max(1, last),
    })
    const states = statePaths(machine as StateNode)
    ctx.print(
      { kind, id, state: record.state, version: record.version, states: states.map((s) => s.path), transitions: history.transitions },
      () => {
        const c = paint(ctx.io.color)
        const marked = states.map(({ path, type }) => {
          const current = path === record.state || record.state.startsWith(`${path}.`)
          const depth = path.split(".").length - 1
          const name = `${"  ".repeat(depth)}${path.split(".").at(-1)}${type === "final" ? " (final)" : ""}`
          return current ? `  ${c("bold", "*")} ${c(stateColour(record.state), name)}\n` : `    ${name}\n`
        })
        return [
          `${kind} ${id}\n`,
          `state:   ${c(stateColour(record.state), record.state)} (since ${record.state_since})\n`,
          `version: ${record.version}\n`,
          `\nstates (${(machine as MachineDefinition)["id"] ?? kind}):\n`,
          ...marked,
          `\nlast ${history.transitions.length} transitions:\n`,
          table(
            ["VERSION", "AT", "FROM", "TO", "EVENT", "BY"],
            history.transitions.map((s) => [s.version, s.at, s.from, s.to, s.event, s.by]),
          ),
        ].join("")
      },
    )
    return EXIT.ok
  },
}
