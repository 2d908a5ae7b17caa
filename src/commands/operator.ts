// The operator commands of `clawbot` (tasks, sessions, agents, watch, inspect, dead-letters), built on
// the client SDK (src/client): the command groups, `--help` on each, `--json` on reads, the server
// from CLAWBOT_URL and CLAWBOT_TOKEN (or --url / --token), and exit codes that say what went wrong.
import { readFile } from "node:fs/promises"
import { parseArgs, type ParseArgsConfig } from "node:util"
import { ClawbotError, createAdmin, type Admin, type ErrorCode, type Page } from "../client/node.ts"
import { table, type Cell } from "./format.ts"

/** What a command may print and read: the process's own, or a test's. */
export interface Io {
  out(text: string): void
  err(text: string): void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Colour the output (a terminal without NO_COLOR, or FORCE_COLOR). */
  readonly color: boolean
  readFile(path: string): Promise<string>
  /** Aborted to stop a command that runs until stopped (watch): Ctrl+C. */
  readonly signal: AbortSignal
}

/** Exit codes: what went wrong, for scripts. */
export const EXIT = {
  ok: 0,
  /** A bug, or an answer the client cannot read. */
  internal: 1,
  /** A bad command line, or CLAWBOT_URL missing. */
  usage: 2,
  /** The input was refused (validation_failed, payload_too_large). */
  invalid: 3,
  notFound: 4,
  /** The machine refused the command in the actor's state (or a stale version / attempt). */
  conflict: 5,
  /** The token is missing, wrong, or may not do this. */
  denied: 6,
  /** The server could not be reached or is not ready, or the rate limit held: try again later. */
  unavailable: 7,
  /** What was waited for ended otherwise than completed (a task failed, a session did not complete). */
  ended: 8,
} as const

const EXIT_OF: Readonly<Record<ErrorCode, number>> = {
  validation_failed: EXIT.invalid,
  payload_too_large: EXIT.invalid,
  not_found: EXIT.notFound,
  conflict: EXIT.conflict,
  unauthorized: EXIT.denied,
  forbidden: EXIT.denied,
  unavailable: EXIT.unavailable,
  rate_limited: EXIT.unavailable,
  internal: EXIT.internal,
}

type Options = NonNullable<ParseArgsConfig["options"]>
export type Values = Record<string, string | boolean | string[] | undefined>

export interface Context {
  readonly admin: Admin
  readonly io: Io
  readonly url: string
  readonly token: string | undefined
  readonly json: boolean
  readonly values: Values
  readonly positionals: ReadonlyArray<string>
  /** Prints a value as JSON (with --json) or as `human` renders it. */
  print(value: unknown, human: () => string): void
}

export interface Command {
  /** Arguments after the command's name, e.g. `<id>`. */
  readonly args: string
  readonly summary: string
  readonly options?: Options
  /** Option lines of --help. */
  readonly help?: ReadonlyArray<string>
  /** Positional arguments required. */
  readonly required?: number
  /** True for reads: --json prints the answer as JSON. */
  readonly read?: boolean
  run(ctx: Context): Promise<number>
}

export interface Group {
  readonly name: string
  readonly summary: string
  readonly commands: Readonly<Record<string, Command>>
}

const COMMON: Options = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  url: { type: "string" },
  token: { type: "string" },
}

const commandUsage = (label: string, command: Command): string =>
  [
    `usage: clawbot ${label}${command.args ? ` ${command.args}` : ""}${command.read ? " [--json]" : ""}`,
    "",
    `  ${command.summary}`,
    ...(command.help && command.help.length > 0 ? ["", "options:", ...command.help.map((line) => `  ${line}`)] : []),
    "",
    "The server is CLAWBOT_URL (or --url) with the token CLAWBOT_TOKEN (or --token).",
    "",
  ].join("\n")

export const groupUsage = (group: Group): string =>
  [
    `usage: clawbot ${group.name} <command> [options]`,
    "",
    `  ${group.summary}`,
    "",
    "commands:",
    ...Object.entries(group.commands).map(([name, command]) => `  ${`${name} ${command.args}`.padEnd(30)} ${command.summary}`),
    "",
    `Each takes --help. Reads take --json. Exit codes: 0 ok, 2 usage, 3 invalid input, 4 not found, 5 conflict, 6 unauthorized or forbidden, 7 unavailable or rate limited, 8 ended not completed (--wait), 1 anything else.`,
    "",
  ].join("\n")

/** Runs `clawbot <group> <argv…>`; the exit code. */
export async function runGroup(group: Group, argv: ReadonlyArray<string>, io: Io): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    ;(name === undefined ? io.err : io.out)(groupUsage(group))
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = group.commands[name]
  if (command === undefined) {
    io.err(`clawbot ${group.name}: unknown command ${JSON.stringify(name)}\n\n${groupUsage(group)}`)
    return EXIT.usage
  }
  return runCommand(`${group.name} ${name}`, command, rest, io)
}

/** Runs one command (`label` is how --help and errors name it) with its arguments; the exit code. */
export async function runCommand(label: string, command: Command, argv: ReadonlyArray<string>, io: Io): Promise<number> {
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...COMMON, ...command.options },
    }) as typeof parsed
  } catch (error) {
    io.err(`clawbot ${label}: ${(error as Error).message}\n\n${commandUsage(label, command)}`)
    return EXIT.usage
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.out(commandUsage(label, command))
    return EXIT.ok
  }
  if (positionals.length < (command.required ?? 0)) {
    io.err(`clawbot ${label}: missing ${command.args}\n\n${commandUsage(label, command)}`)
    return EXIT.usage
  }
  const url = (values.url as string | undefined) ?? io.env.CLAWBOT_URL
  if (!url) {
    io.err(`clawbot ${label}: set CLAWBOT_URL (or --url) to the server, e.g. http://127.0.0.1:8080\n`)
    return EXIT.usage
  }
  const token = (values.token as string | undefined) ?? io.env.CLAWBOT_TOKEN
  const json = values.json === true
  const ctx: Context = {
    admin: createAdmin({ url, token }),
    io,
    url,
    token,
    json,
    values,
    positionals,
    print: (value, human) => io.out(json ? `${JSON.stringify(value, null, 2)}\n` : human()),
  }
  try {
    return await command.run(ctx)
  } catch (error) {
    return failed(io, label, error)
  }
}

/** Prints why a command failed; its exit code. */
export function failed(io: Io, what: string, error: unknown): number {
  if (error instanceof ClawbotError) {
    io.err(`clawbot ${what}: ${error.code}: ${error.message}\n`)
    return EXIT_OF[error.code]
  }
  io.err(`clawbot ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  return EXIT.internal
}

/** A number option, or a usage error naming it. */
export function numberOption(values: Values, name: string): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(value)) {
    throw new ClawbotError({ code: "validation_failed", message: `--${name}: expected a number, got ${JSON.stringify(raw)}` })
  }
  return value
}

/** JSON from an option's text, or a usage error naming it. */
export function jsonOption(values: Values, name: string): unknown {
  const raw = values[name]
  if (typeof raw !== "string") return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw new ClawbotError({ code: "validation_failed", message: `--${name}: not JSON: ${raw.slice(0, 80)}` })
  }
}

/** The JSON of a file (`-` reads standard input through io.readFile). */
export async function jsonFile(io: Io, path: string): Promise<unknown> {
  const text = await io.readFile(path)
  try {
    return JSON.parse(text)
  } catch {
    throw new ClawbotError({ code: "validation_failed", message: `${path}: not JSON` })
  }
}

/** The process's own Io. */
export function processIo(): Io {
  const controller = new AbortController()
  process.once("SIGINT", () => controller.abort())
  process.once("SIGTERM", () => controller.abort())
  const env = process.env
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env,
    color: env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== "0" : process.stdout.isTTY === true && env.NO_COLOR === undefined,
    readFile: (path) => (path === "-" ? readStdin() : readFile(path, "utf8")),
    signal: controller.signal,
  }
}

async function readStdin(): Promise<string> {
  let text = ""
  for await (const chunk of process.stdin) text += String(chunk)
  return text
}

export interface ListSpec<T> {
  readonly args: string
  readonly summary: string
  /** Filter options, besides --limit and --cursor. */
  readonly filters?: Options
  readonly help?: ReadonlyArray<string>
  readonly headers: ReadonlyArray<string>
  row(item: T): ReadonlyArray<Cell>
  /** One page, for the filters given and `paging` (limit and cursor from the command line). */
  page(ctx: Context, paging: { limit?: number; cursor?: string }): Promise<Page<T>>
}

/** A read that lists one page: a table (and how to get the next page) or, with --json, the page. */
export const listCommand = <T>(spec: ListSpec<T>): Command => ({
  args: spec.args,
  summary: spec.summary,
  read: true,
  options: { ...spec.filters, limit: { type: "string" }, cursor: { type: "string" } },
  help: [...(spec.help ?? []), "--limit N (1..200, default 50)  --cursor C (the next page, as the last line says)"],
  async run(ctx) {
    const limit = numberOption(ctx.values, "limit")
    const cursor = ctx.values.cursor as string | undefined
    const page = await spec.page(ctx, { ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) })
    ctx.print(
      page,
      () =>
        table(
          spec.headers,
          page.items.map((item) => spec.row(item)),
        ) + (page.next_cursor ? `next page: --cursor ${page.next_cursor}\n` : ""),
    )
    return EXIT.ok
  },
})

/** A read of one thing by id: shown as `human` renders it or, with --json, as the server answered it. */
export const showCommand = <T>(summary: string, read: (ctx: Context, id: string) => Promise<T>, human: (value: T) => string): Command => ({
  args: "<id>",
  summary,
  read: true,
  required: 1,
  async run(ctx) {
    const value = await read(ctx, ctx.positionals[0] as string)
    ctx.print(value, () => human(value))
    return EXIT.ok
  },
})
