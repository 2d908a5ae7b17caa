// Runs `clawbot <operator command>` in this process, as the bin would, with a test's environment,
// files and output: its exit code and what it printed.
import { runOperator } from "../../../src/commands/operator-commands.ts"
import type { Io } from "../../../src/commands/operator.ts"

export interface Ran {
  readonly code: number
  readonly out: string
  readonly err: string
}

export interface RunOptions {
  /** Files `-f` may read, by path. */
  readonly files?: Readonly<Record<string, string>>
  /** Stops a command that runs until stopped. */
  readonly signal?: AbortSignal
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Called with each piece of standard error as it is printed. */
  readonly onErr?: (text: string) => void
}

export const cliFor =
  (url: string, token: string) =>
  async (argv: ReadonlyArray<string>, options: RunOptions = {}): Promise<Ran> => {
    let out = ""
    let err = ""
    const io: Io = {
      out: (text) => void (out += text),
      err: (text) => {
        err += text
        options.onErr?.(text)
      },
      env: options.env ?? { CLAWBOT_URL: url, CLAWBOT_TOKEN: token },
      color: false,
      readFile: async (path) => {
        const text = options.files?.[path]
        if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" })
        return text
      },
      signal: options.signal ?? new AbortController().signal,
    }
    const code = await runOperator(argv, io)
    return { code, out, err }
  }
