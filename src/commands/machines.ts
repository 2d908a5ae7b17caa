// `clawbot machines`: every machine's definition, as JSON (--json) or as a short outline.
import { KINDS } from "../../actors/index.ts"
import { describeMachine, type StateDescription } from "../runtime/describe-machine.ts"

const outline = (name: string, state: StateDescription, depth: number): string[] => [
  `${"  ".repeat(depth)}${name}${state.type === "final" ? " (final)" : ""}`,
  ...state.on
    .filter((transition) => transition.target.length > 0)
    .map(
      (transition) =>
        `${"  ".repeat(depth + 1)}${transition.event} → ${transition.target.map((t) => t.split(".").at(-1)).join(", ")}${transition.guard ? ` [${transition.guard}]` : ""}`,
    ),
  ...Object.entries(state.states ?? {}).flatMap(([child, description]) => outline(child, description, depth + 1)),
]

export const machinesCommand = async (json: boolean): Promise<number> => {
  const described = Object.fromEntries(KINDS.map((kind) => [kind.kind, describeMachine(kind.machine)]))
  process.stdout.write(
    json
      ? `${JSON.stringify(described, null, 2)}\n`
      : `${Object.entries(described)
          .flatMap(([kind, machine]) => outline(kind, machine, 0))
          .join("\n")}\n`,
  )
  return 0
}
