// The operator commands by name, loaded on first use: `runOperator(argv, io)` runs `clawbot <argv…>`
// when argv[0] names one of them (the bin and the tests go through here).
import type { Command, Group, Io } from "./operator.ts"

type Entry = { readonly group: () => Promise<Group> } | { readonly command: () => Promise<Command> }

const OPERATOR: Readonly<Record<string, Entry>> = {
  tasks: { group: async () => (await import("./tasks.ts")).tasksGroup },
  sessions: { group: async () => (await import("./sessions.ts")).sessionsGroup },
  agents: { group: async () => (await import("./agents.ts")).agentsGroup },
  "dead-letters": { group: async () => (await import("./dead-letters.ts")).deadLettersGroup },
  watch: { command: async () => (await import("./watch.ts")).watchCommand },
  inspect: { command: async () => (await import("./inspect.ts")).inspectCommand },
}

export const isOperatorCommand = (name: string | undefined): boolean => name !== undefined && Object.hasOwn(OPERATOR, name)

/** Runs `clawbot <argv…>` for an operator command; its exit code. */
export async function runOperator(argv: ReadonlyArray<string>, io: Io): Promise<number> {
  const [name = "", ...rest] = argv
  const entry = OPERATOR[name]
  if (entry === undefined) throw new TypeError(`not an operator command: ${name}`)
  const { runCommand, runGroup } = await import("./operator.ts")
  return "group" in entry ? runGroup(await entry.group(), rest, io) : runCommand(name, await entry.command(), rest, io)
}
