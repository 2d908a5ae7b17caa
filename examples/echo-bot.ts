// Echo bot: answers every `echo` task with its own payload.
//
// Run it against `npm start` (which prints the URL and the operator token):
//   export CLAWBOT_URL=http://127.0.0.1:8080 CLAWBOT_TOKEN=<operator token>
//   npx clawbot agents register --name echo -c echo          # prints the agent's id and token
//   CLAWBOT_AGENT_TOKEN=<agent token> node --import tsx examples/echo-bot.ts
//   npx clawbot tasks submit -c echo -t hello --payload '{"say":"hi"}' --wait
import { pathToFileURL } from "node:url"
import { connectBot, type Bot } from "clawbot-coordinator/client"

export function echoBot(url: string, token: string): Bot {
  return connectBot({ url, token, onError: (error, where) => console.error("echo-bot:", error.code, error.message, where) }).handle(
    "echo",
    async (task, ctx) => {
      await ctx.progress(0.5, "echoing")
      return { echo: task.payload }
    },
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bot = echoBot(process.env.CLAWBOT_URL ?? "http://127.0.0.1:8080", process.env.CLAWBOT_AGENT_TOKEN ?? "")
  const connected = await bot.connected()
  console.log(`echo-bot: connected as agent ${connected.agent_id}`)
  process.once("SIGINT", () => void bot.close().then(() => process.exit(0)))
  process.once("SIGTERM", () => void bot.close().then(() => process.exit(0)))
}
