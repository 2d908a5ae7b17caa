// Every operator command of `clawbot` against a real `clawbot start`, run in-process as the bin runs
// it (and once through the bin itself): what it prints (for people, and with --json), and its exit
// code when it fails.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createAdmin } from "../../../src/client/node.ts"
import { waitFor } from "../../support/runtime.ts"
import { clawbot, startServer, type Server } from "./server.ts"
import { cliFor, type Ran } from "./support.ts"

let t: Server
let cli: ReturnType<typeof cliFor>
beforeAll(async () => {
  t = await startServer()
  cli = cliFor(t.url, t.token)
})
afterAll(async () => {
  await t?.close()
})

const json = (ran: Ran) => {
  expect(ran).toMatchObject({ code: 0, err: "" })
  return JSON.parse(ran.out)
}

describe("clawbot tasks", () => {
  it("submits, lists, reads and cancels tasks", async () => {
    const submitted = await cli(["tasks", "submit", "-c", "cli-none", "-t", "from the cli", "--payload", '{"n":1}', "--priority", "1"])
    expect(submitted).toMatchObject({ code: 0, err: "" })
    const id = submitted.out.trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/u)
    expect(json(await cli(["tasks", "get", id, "--json"]))).toMatchObject({
      id,
      title: "from the cli",
      payload: { n: 1 },
      priority: 1,
      status: "ready",
    })
    expect((await cli(["tasks", "get", id])).out).toMatch(/^status: +ready$/mu)
    const listed = await cli(["tasks", "ls", "--capability", "cli-none"])
    expect(listed.out).toMatch(/^ID +STATUS +CAPABILITY +ATTEMPT +AGENT +TITLE$/mu)
    expect(listed.out).toContain(`${id}  ready`)
    expect((await cli(["tasks", "cancel", id, "--reason", "cli"])).out).toBe(`${id} cancelled\n`)
    expect((await cli(["tasks", "get", id])).out).toMatch(/^cancel_reason: +cli$/mu)
    expect(json(await cli(["tasks", "ls", "--status", "cancelled", "--json"])).items.map((task: { id: string }) => task.id)).toContain(id)
  })

  it("submits a batch from a file", async () => {
    const file = JSON.stringify({
      tasks: [
        { title: "one", capability: "cli-none" },
        { title: "two", capability: "cli-none" },
      ],
    })
    const ran = await cli(["tasks", "submit", "-f", "batch.json"], { files: { "batch.json": file } })
    expect(ran.code).toBe(0)
    expect(ran.out.trim().split("\n")).toHaveLength(2)
  })

  it("waits for a task to end with --wait: exit 0 when it completed, 8 when not", async () => {
    const agent = JSON.parse((await cli(["agents", "register", "--name", "cli-bot", "-c", "cli-wait", "--json"])).out)
    const bot = { url: t.url, token: agent.token as string }
    const { connectBot } = await import("../../../src/client/node.ts")
    const running = connectBot(bot).handle("cli-wait", async (task) => {
      if ((task.payload as { fail?: boolean }).fail) throw new Error("asked to fail")
      return "waited"
    })
    const done = await cli(["tasks", "submit", "-c", "cli-wait", "-t", "w", "--wait"])
    expect(done.code).toBe(0)
    expect(done.out).toMatch(/^status: +completed$/mu)
    expect(done.out).toMatch(/^result: +waited$/mu)
    const failing = await cli([
      "tasks",
      "submit",
      "-c",
      "cli-wait",
      "-t",
      "f",
      "--payload",
      '{"fail":true}',
      "--max-attempts",
      "1",
      "--wait",
      "--json",
    ])
    expect(failing.code).toBe(8)
    expect(JSON.parse(failing.out)).toMatchObject({ status: "failed", error: "asked to fail" })
    await running.close()
  })

  it("exits with a code that says what went wrong", async () => {
    expect(await cli(["tasks", "get", "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"])).toMatchObject({
      code: 4,
      out: "",
      err: expect.stringMatching(/^clawbot tasks get: not_found: /u),
    })
    expect(await cli(["tasks", "submit", "-c", "Bad Cap", "-t", "x"])).toMatchObject({
      code: 3,
      err: expect.stringMatching(/^clawbot tasks submit: validation_failed: capability: /u),
    })
    expect(await cli(["tasks", "submit", "-t", "no capability"])).toMatchObject({ code: 3 })
    expect((await cli(["tasks", "ls", "--nope"])).code).toBe(2)
    expect((await cli(["tasks", "get"])).code).toBe(2)
    expect((await cli(["tasks", "frobnicate"])).code).toBe(2)
    expect(await cli(["tasks", "ls"], { env: {} })).toMatchObject({ code: 2, err: expect.stringContaining("set CLAWBOT_URL") })
    expect(await cli(["tasks", "ls"], { env: { CLAWBOT_URL: t.url, CLAWBOT_TOKEN: "wrong" } })).toMatchObject({
      code: 6,
      err: expect.stringContaining("unauthorized"),
    })
    expect(await cli(["tasks", "ls"], { env: { CLAWBOT_URL: "http://127.0.0.1:9" } })).toMatchObject({
      code: 7,
      err: expect.stringContaining("unavailable"),
    })
  })
})

describe("clawbot sessions", () => {
  const dag = JSON.stringify({
    title: "cli dag",
    tasks: [
      { key: "build", title: "build", capability: "cli-none" },
      { key: "test", title: "test", capability: "cli-none", depends_on: ["build"] },
    ],
  })

  it("creates from a file, lists, reads, runs the lifecycle, shows the timeline", async () => {
    const created = await cli(["sessions", "create", "-f", "dag.json", "--start"], { files: { "dag.json": dag } })
    expect(created.code).toBe(0)
    const id = created.out.split("\n")[0] as string
    expect(created.out).toMatch(/^build +[0-9a-f-]{36}$/mu)
    // The session's tasks are created after it, by the runtime: the listing fills in.
    const view = await waitFor("both tasks", async () => {
      const read = json(await cli(["sessions", "get", id, "--json"]))
      return read.tasks.length === 2 ? read : undefined
    })
    expect(view).toMatchObject({ id, status: "queued" })
    expect((await cli(["sessions", "get", id])).out).toMatch(/^test +[0-9a-f-]{36} +blocked/mu)
    expect((await cli(["sessions", "pause", id])).out).toBe(`${id} paused\n`)
    expect(await cli(["sessions", "pause", id])).toMatchObject({ code: 5, err: expect.stringContaining("conflict") })
    expect((await cli(["sessions", "resume", id])).out).toBe(`${id} running\n`)
    expect((await cli(["sessions", "stop", id])).out).toBe(`${id} stopped\n`)
    // Stopped, its two unfinished tasks cancelled: the counts name the states that hold any, in lifecycle order.
    expect((await cli(["sessions", "ls", "--status", "stopped"])).out).toMatch(new RegExp(`^${id} +stopped +cancelled:2 +cli dag$`, "mu"))
    expect((await cli(["sessions", "get", id])).out).toMatch(/^tasks: +cancelled:2$/mu)
    expect((await cli(["sessions", "timeline", id])).out).toMatch(/session +[0-9a-f-]{36} +\d+ +paused +running +RESUME/u)
    const other = (await cli(["sessions", "create", "-f", "dag.json"], { files: { "dag.json": dag } })).out.split("\n")[0] as string
    expect((await cli(["sessions", "start", other])).out).toBe(`${other} queued\n`)
    expect((await cli(["sessions", "start", other])).code).toBe(5)
    expect((await cli(["sessions", "retry", other])).code).toBe(5)
  })

  it("refuses a DAG with a cycle before sending it, and a missing file", async () => {
    const cycle = JSON.stringify({
      title: "loop",
      tasks: [
        { key: "a", title: "a", capability: "x", depends_on: ["b"] },
        { key: "b", title: "b", capability: "x", depends_on: ["a"] },
      ],
    })
    expect(await cli(["sessions", "create", "-f", "loop.json"], { files: { "loop.json": cycle } })).toMatchObject({
      code: 3,
      err: expect.stringContaining("cycle"),
    })
    expect(await cli(["sessions", "create", "-f", "nowhere.json"])).toMatchObject({ code: 1, err: expect.stringContaining("ENOENT") })
    expect((await cli(["sessions", "create"])).code).toBe(2)
  })
})

describe("clawbot agents", () => {
  it("registers, lists, reads, drains, resumes, rotates a token, deregisters", async () => {
    const registered = json(
      await cli(["agents", "register", "--name", "cli-agent", "-c", "cli-a,cli-b", "--max-concurrency", "3", "-l", "team=red", "--json"]),
    )
    expect(registered).toMatchObject({ name: "cli-agent", capabilities: ["cli-a", "cli-b"], max_concurrency: 3, labels: { team: "red" } })
    expect((await cli(["agents", "ls", "--capability", "cli-a"])).out).toMatch(
      new RegExp(`^${registered.id} +cli-agent +offline +0/3 +cli-a,cli-b$`, "mu"),
    )
    expect((await cli(["agents", "ls", "--label", "team=red"])).out).toContain(registered.id)
    const plain = json(await cli(["agents", "register", "--name", "cli-plain", "-c", "cli-a", "--json"]))
    expect((await cli(["agents", "get", plain.id])).out).toMatch(/^labels: +-$/mu)
    expect((await cli(["agents", "ls", "--label", "team=blue"])).out).not.toContain(registered.id)
    expect(await cli(["agents", "register", "--name", "x", "-c", "cli-a", "-l", "team"])).toMatchObject({
      code: 3,
      err: expect.stringContaining('--label "team": expected K=V'),
    })
    const shown = (await cli(["agents", "get", registered.id])).out
    expect(shown).toMatch(/^inflight: +0 of 3$/mu)
    expect(shown).toMatch(/^labels: +team=red$/mu)
    await createAdmin({ url: t.url, token: registered.token }).agents.heartbeat(registered.id, {}, { wait: true })
    expect((await cli(["agents", "drain", registered.id])).out).toBe(`${registered.id} draining\n`)
    expect((await cli(["agents", "resume", registered.id])).out).toBe(`${registered.id} online\n`)
    const rotated = await cli(["agents", "rotate-token", registered.id])
    expect(rotated.out.trim()).not.toBe(registered.token)
    expect((await cli(["agents", "deregister", registered.id])).code).toBe(0)
    await waitFor("deregistered", async () =>
      json(await cli(["agents", "get", registered.id, "--json"])).status === "deregistered" ? true : undefined,
    )
  })
})

describe("clawbot watch and inspect", () => {
  it("prints transitions as they happen, and the cursor to resume from", async () => {
    let following: () => void = () => undefined
    const open = new Promise<void>((resolve) => (following = resolve))
    const watching = cli(["watch", "tasks", "--count", "2"], {
      onErr: (text) => text.startsWith("clawbot watch: following tasks") && following(),
    })
    await open
    const id = (await cli(["tasks", "submit", "-c", "cli-watch", "-t", "watched"])).out.trim()
    await cli(["tasks", "cancel", id])
    const ran = await watching
    expect(ran.code).toBe(0)
    expect(ran.out.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`task +${id} v1 \\(new\\) → ready CREATE$`, "u")),
      expect.stringMatching(new RegExp(`task +${id} v2 ready → cancelled CANCEL$`, "u")),
    ])
    const cursor = /resume with --since (\d+-\d+)/u.exec(ran.err)?.[1]
    expect(cursor).toBeDefined()
    // From the start of the retained stream: the same transitions again, as JSON lines.
    const again = await cli(["watch", `task:${id}`, "--since", "0-1", "--count", "2", "--json"])
    expect(
      again.out
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line).to),
    ).toEqual(["ready", "cancelled"])
  })

  it("shows an actor's state, version, its machine's states with the current marked, and its last transitions", async () => {
    const id = (await cli(["tasks", "submit", "-c", "cli-inspect", "-t", "inspected"])).out.trim()
    await cli(["tasks", "cancel", id])
    const shown = await cli(["inspect", "task", id])
    expect(shown.code).toBe(0)
    expect(shown.out).toMatch(/^state: +cancelled \(since /mu)
    expect(shown.out).toMatch(/^version: 2$/mu)
    expect(shown.out).toMatch(/^ {2}\* cancelled$/mu)
    expect(shown.out).toMatch(/^ {4}ready$/mu)
    expect(shown.out).toMatch(/^2 +\S+ +ready +cancelled +CANCEL/mu)
    expect(json(await cli(["inspect", "task", id, "--json", "--last", "1"]))).toMatchObject({
      state: "cancelled",
      version: 2,
      transitions: [{ version: 2 }],
    })
    expect((await cli(["inspect", "robot", id])).code).toBe(3)
    expect((await cli(["inspect", "task", "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11"])).code).toBe(4)
  })
})

describe("clawbot dead-letters", () => {
  it("lists, shows, replays and removes dead letters", async () => {
    const { inbox } = t.keys.partition(0)
    await t.redis.xadd(inbox, "*", "type", "EXPLODE", "actor", "task:9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11", "payload", "{}")
    const letter = await waitFor(
      "a dead letter",
      async () => json(await cli(["dead-letters", "ls", "--json"])).items[0] as { id: string } | undefined,
    )
    expect((await cli(["dead-letters", "ls"])).out).toMatch(/EXPLODE +task:9b7f3b57/u)
    expect((await cli(["dead-letters", "get", letter.id])).out).toMatch(/^reason: +type: /mu)
    expect((await cli(["dead-letters", "replay", letter.id])).out).toMatch(new RegExp(`^${letter.id} replayed as \\d+-\\d+$`, "mu"))
    const again = await waitFor(
      "dead again",
      async () =>
        json(await cli(["dead-letters", "ls", "--json"])).items.find((l: { id: string }) => l.id !== letter.id) as
          | { id: string }
          | undefined,
    )
    expect((await cli(["dead-letters", "rm", again.id])).out).toBe(`${again.id} removed\n`)
    expect((await cli(["dead-letters", "rm", again.id])).code).toBe(4)
  })
})

describe("the clawbot bin", () => {
  // Each run of the bin compiles the TypeScript sources afresh (tsx): seconds each on a busy machine.
  it("runs the operator commands with CLAWBOT_URL and CLAWBOT_TOKEN", { timeout: 120_000 }, async () => {
    const capability = `cli-bin-${Date.now()}`
    const submitted = await clawbot(["tasks", "submit", "-c", capability, "-t", "through the bin"], t.env)
    expect(submitted).toMatchObject({ code: 0, err: "" })
    const missing = await clawbot(["tasks", "get", "9b7f3b57-2f55-4f7e-b6a3-6b0b1c1a0a11", "--json"], t.env)
    expect(missing).toMatchObject({ code: 4, out: "", err: expect.stringMatching(/^clawbot tasks get: not_found: /u) })
    expect(json(await cli(["tasks", "ls", "--capability", capability, "--json"])).items.map((task: { id: string }) => task.id)).toEqual([
      submitted.out.trim(),
    ])
  })
})

describe("--help", () => {
  it("is answered by every group and every command, with exit 0", async () => {
    for (const group of ["tasks", "sessions", "agents", "dead-letters"]) {
      const usage = await cli([group, "--help"])
      expect(usage.code).toBe(0)
      const commands = [...usage.out.matchAll(/^ {2}([a-z-]+) /gmu)].map((match) => match[1] as string)
      expect(commands.length).toBeGreaterThan(2)
      for (const command of commands)
        expect(await cli([group, command, "--help"])).toMatchObject({
          code: 0,
          out: expect.stringMatching(new RegExp(`^usage: clawbot ${group} ${command}`, "u")),
        })
    }
    for (const command of ["watch", "inspect"])
      expect((await cli([command, "--help"])).out).toMatch(new RegExp(`^usage: clawbot ${command} `, "u"))
    expect((await cli(["tasks"])).code).toBe(2)
  })
})
