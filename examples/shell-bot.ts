// Shell bot: runs a `shell` task's command (`payload: {"command": "…"}`) with `sh -c`, reports a
// progress message for each line it prints, and kills it when the task is cancelled or times out.
// A non-zero exit fails the attempt (it is retried up to max_attempts). Run it only where the
// people who may submit tasks may run commands.
//
// Run it against `npm start` (which prints the URL and the operator token):
//   export CLAWBOT_URL=http://127.0.0.1:8080 CLAWBOT_TOKEN=<operator token>
//   npx clawbot agents register --name shell -c shell --max-concurrency 4   # prints the agent's id and token
//   CLAWBOT_AGENT_TOKEN=<agent token> node --import tsx examples/shell-bot.ts
//   npx clawbot tasks submit -c shell -t count --payload '{"command":"for i in 1 2 3; do echo $i; sleep 1; done"}' --wait
//   npx clawbot tasks submit -c shell -t forever --payload '{"command":"sleep 600"}'   # then: npx clawbot tasks cancel <id>
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { pathToFileURL } from "node:url"
import { connectBot, type Bot, type TaskContext } from "clawbot-coordinator/client"

/** The last lines of output kept for the result. */
const TAIL = 20

export function runCommand(command: string, ctx: TaskContext): Promise<{ exit_code: number; output: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] })
    const output: string[] = []
    let lines = 0
    const kill = () => child.kill("SIGTERM")
    ctx.signal.addEventListener("abort", kill, { once: true })
    const read = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on("line", (line) => {
        lines += 1
        output.push(line)
        if (output.length > TAIL) output.shift()
        // How far along is unknown: the fraction creeps towards 1 with each line; the message says what happened.
        void ctx.progress(lines / (lines + 10), line.slice(0, 200))
      })
    read(child.stdout)
    read(child.stderr)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      ctx.signal.removeEventListener("abort", kill)
      if (ctx.signal.aborted) reject(ctx.signal.reason)
      else if (code === 0) resolve({ exit_code: 0, output })
      else reject(new Error(`exited with ${code ?? signal}: ${output.at(-1) ?? ""}`))
    })
  })
}

export function shellBot(url: string, token: string): Bot {
  return connectBot({ url, token, onError: (error, where) => console.error("shell-bot:", error.code, error.message, where) }).handle(
    "shell",
    async (task, ctx) => {
      const command = (task.payload as { command?: unknown } | null)?.command
      if (typeof command !== "string") throw new Error('payload.command: expected the command to run, e.g. {"command": "make test"}')
      return runCommand(command, ctx)
    },
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bot = shellBot(process.env.CLAWBOT_URL ?? "http://127.0.0.1:8080", process.env.CLAWBOT_AGENT_TOKEN ?? "")
  const connected = await bot.connected()
  console.log(`shell-bot: connected as agent ${connected.agent_id}`)
  process.once("SIGINT", () => void bot.close({ timeoutMs: 10_000 }).then(() => process.exit(0)))
  process.once("SIGTERM", () => void bot.close({ timeoutMs: 10_000 }).then(() => process.exit(0)))
}
