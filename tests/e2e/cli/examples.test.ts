// The examples (examples/) as a user runs them, against a real `clawbot start`: the commands in each
// file's header, the bots and the watcher as their own processes, tasks submitted with the CLI.
import { randomBytes } from "node:crypto"
import { readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
// Imported (examples/ is outside tsconfig's include) so the typecheck covers them; each runs only as a script.
import "../../../examples/echo-bot.ts"
import "../../../examples/shell-bot.ts"
import { describe as describeEvent } from "../../../examples/watcher.ts"
import { createAdmin } from "../../../src/client/node.ts"
import { waitFor } from "../../support/runtime.ts"
import { taskReaches as reaches } from "../client/support.ts"
import { run, startServer, type Child, type Server } from "./server.ts"
import { cliFor } from "./support.ts"

let t: Server
let cli: ReturnType<typeof cliFor>
const children: Child[] = []
beforeAll(async () => {
  t = await startServer()
  cli = cliFor(t.url, t.token)
})
afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()))
  await t?.close()
})

/** Registers an agent with the CLI, as the headers say; its token. */
const register = async (name: string, capability: string, extra: string[] = []): Promise<string> => {
  const ran = await cli(["agents", "register", "--name", name, "-c", capability, ...extra, "--json"])
  expect(ran.code).toBe(0)
  return JSON.parse(ran.out).token as string
}

const example = (file: string, env: Record<string, string>, args: string[] = []): Child => {
  const child = run(["--import", "tsx", `examples/${file}`, ...args], { ...t.env, ...env })
  children.push(child)
  return child
}

const taskReaches = (id: string, status: string) => reaches(t, id, status)

// Each example is compiled by tsx as it starts: seconds on a busy machine.
describe("examples", { timeout: 120_000 }, () => {
  it("echo-bot answers an echo task with its payload", async () => {
    const bot = example("echo-bot.ts", { CLAWBOT_AGENT_TOKEN: await register("echo", "echo") })
    await bot.line(/^echo-bot: connected as agent /u, 60_000)
    const ran = await cli(["tasks", "submit", "-c", "echo", "-t", "hello", "--payload", '{"say":"hi"}', "--wait", "--json"])
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.out)).toMatchObject({ status: "completed", result: { echo: { say: "hi" } }, progress_message: "echoing" })
  })

  it("shell-bot runs a command with progress, fails on a non-zero exit, and kills a cancelled one", async () => {
    const bot = example("shell-bot.ts", { CLAWBOT_AGENT_TOKEN: await register("shell", "shell", ["--max-concurrency", "4"]) })
    await bot.line(/^shell-bot: connected as agent /u, 60_000)

    const counted = await cli([
      "tasks",
      "submit",
      "-c",
      "shell",
      "-t",
      "count",
      "--payload",
      '{"command":"for i in 1 2 3; do echo line $i; done"}',
      "--wait",
      "--json",
    ])
    expect(JSON.parse(counted.out)).toMatchObject({ status: "completed", result: { exit_code: 0, output: ["line 1", "line 2", "line 3"] } })

    const broken = await cli([
      "tasks",
      "submit",
      "-c",
      "shell",
      "-t",
      "broken",
      "--payload",
      '{"command":"echo oops; exit 3"}',
      "--max-attempts",
      "1",
      "--wait",
      "--json",
    ])
    expect(broken.code).toBe(8)
    expect(JSON.parse(broken.out)).toMatchObject({ status: "failed", error: "exited with 3: oops" })

    // A command that records the SIGTERM it gets, then is cancelled while it runs.
    const marker = join(tmpdir(), `shell-bot-${randomBytes(4).toString("hex")}`)
    const command = `trap 'echo terminated > ${marker}; exit 143' TERM; echo started; sleep 600 & wait`
    const id = (await cli(["tasks", "submit", "-c", "shell", "-t", "forever", "--payload", JSON.stringify({ command })])).out.trim()
    expect((await taskReaches(id, "in_progress")).status).toBe("in_progress")
    await waitFor(
      "its first line of output",
      async () => ((await createAdmin({ url: t.url, token: t.token }).tasks.get(id)).progress_message === "started" ? true : undefined),
      30_000,
    )
    expect(await cli(["tasks", "cancel", id])).toMatchObject({ code: 0, out: `${id} cancelled\n` })
    expect(
      await waitFor("the command's SIGTERM", async () => (await readFile(marker, "utf8").catch(() => undefined))?.trim(), 30_000),
    ).toBe("terminated")
    await rm(marker, { force: true })
    expect(await taskReaches(id, "cancelled")).toMatchObject({ cancel_reason: "cancelled" })
  })

  it("watcher prints each transition of the topics it follows", async () => {
    const watcher = example("watcher.ts", {}, ["tasks"])
    await watcher.line(/^watcher: open$/u, 60_000)
    const id = (await cli(["tasks", "submit", "-c", "watched", "-t", "seen"])).out.trim()
    await cli(["tasks", "cancel", id, "--reason", "watched"])
    const created = await watcher.line(new RegExp(`task ${id} v1: \\(new\\) -> ready on CREATE$`, "u"))
    const cancelled = await watcher.line(new RegExp(`task ${id} v2: ready -> cancelled on CANCEL$`, "u"))
    const view = await createAdmin({ url: t.url, token: t.token }).tasks.get(id)
    expect(cancelled).toBe(
      describeEvent({
        at: view.updated_at,
        kind: "task",
        actor_id: id,
        version: 2,
        from: "ready",
        to: "cancelled",
        event: "CANCEL",
      } as never),
    )
    expect(created.startsWith(view.created_at)).toBe(true)
  })
})
