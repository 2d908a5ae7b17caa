// `clawbot` command line and composition root: picks the subcommand; the server commands load the
// configuration and hand the actor kinds (actors/) to the runtime, the operator commands
// (src/commands/operator.ts, built on the client SDK) talk to a running server.
import { parseArgs } from "node:util"
import { debugRequested, failureLines } from "./commands/failure.ts"
import { isOperatorCommand } from "./commands/operator-commands.ts"
import { CONFIG_FLAGS, loadConfig } from "./config.ts"

const USAGE = `usage: clawbot <command> [options]

commands:
  start      runtime and edge in one process; starts local Redis/Postgres when no URL is given
  runtime    a runtime process (applies commands from the inbox partitions it owns)
  edge       an edge process (HTTP API and WebSockets)
  migrate    apply the database migrations and exit
  machines   print the machines' definitions (--json for JSON)

operator commands (a running server at CLAWBOT_URL, with CLAWBOT_TOKEN; each takes --help):
  tasks         submit | ls | get | cancel
  sessions      create -f dag.json | ls | get | start | pause | resume | stop | cancel | retry | timeline | delete
  agents        register | ls | get | drain | resume | rotate-token | deregister
  watch         [topics…]  live transitions, resumable with --since
  inspect       <kind> <id>  state, version, the machine's states with the current one marked, last transitions
  dead-letters  ls | get | replay | rm

options (each also read from the environment, see README.md):
  --redis-url URL  --database-url URL  --port N  --host ADDR  --prefix NAME
  --partitions N   --operator-token T  --log-level LEVEL  --data-dir DIR  --lease-ttl-ms N
`

const COMMANDS: Record<string, (flags: Flags) => Promise<number | "running">> = {
  machines: async (flags) => (await import("./commands/machines.ts")).machinesCommand(flags.json === true),
  migrate: async (flags) => (await import("./commands/migrate.ts")).migrateCommand(loadConfig(flags)),
  runtime: async (flags) => (await import("./commands/runtime.ts")).runtimeCommand(loadConfig(flags)),
  edge: async (flags) => (await import("./commands/edge.ts")).edgeCommand(loadConfig(flags)),
  start: async (flags) => (await import("./commands/start.ts")).startCommand(loadConfig(flags)),
}

type Flags = Record<string, string | boolean | undefined>

const main = async (argv: string[]): Promise<number | "running"> => {
  if (isOperatorCommand(argv[0])) {
    const [{ runOperator }, { processIo }] = await Promise.all([
      import("./commands/operator-commands.ts"),
      import("./commands/operator.ts"),
    ])
    return runOperator(argv, processIo())
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...CONFIG_FLAGS, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  })
  const name = positionals[0]
  const command = name ? COMMANDS[name] : undefined
  if (values.help || !command) {
    ;(command || values.help ? process.stdout : process.stderr).write(USAGE)
    return values.help ? 0 : 2
  }
  return command(values)
}

/** Runs one `clawbot` command (bin/clawbot.js passes the arguments): its exit code, or "running" for a server. */
export const runCli = (argv: string[]): Promise<number | "running"> =>
  main(argv).catch((error: unknown) => {
    process.stderr.write(`${failureLines(error, debugRequested(argv)).join("\n")}\n`)
    return 1
  })
