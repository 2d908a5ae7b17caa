// Browser test support: Debian's Chromium driven by playwright-core (a fresh profile each time), a
// running system (runtime + edge on a test deployment, the edge restartable on the same port), test
// SDK bots that finish a task when the test says so, a raw inbox entry the runtime dead-letters,
// screenshots saved as artifacts, and axe-core's accessibility check run in the page.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import type { Edge } from "../../src/edge/app.ts"
import { connectBot } from "../../src/client/node.ts"
import { edgeOn, httpClient, testEdge, type Client, type TestEdge } from "../support/edge.ts"
import { afterAll, beforeAll } from "vitest"
import { waitFor } from "../support/runtime.ts"

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
]
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname

export interface Browser {
  readonly context: BrowserContext
  /** A new page, its console errors and page errors collected in `errors`. */
  page(viewport?: { width: number; height: number }): Promise<Page>
  readonly errors: string[]
  close(): Promise<void>
}

export const openBrowser = async (): Promise<Browser> => {
  const profile = await mkdtemp(join(tmpdir(), "clawbot-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1366, height: 900 },
  })
  const errors: string[] = []
  return {
    context,
    errors,
    async page(viewport) {
      const page = await context.newPage()
      if (viewport) await page.setViewportSize(viewport)
      page.on("console", (message) => {
        // A refused socket during an edge restart is the browser's own report, expected there.
        if (message.type() === "error" && !/WebSocket connection|Failed to load resource/.test(message.text())) errors.push(message.text())
      })
      page.on("pageerror", (error) => errors.push(error.message))
      return page
    },
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a full-page screenshot as tests/browser/artifacts/<name>.png. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  await mkdir(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Stores the token as the token form would, before any script of the page runs. */
export const withToken = async (page: Page, token: string): Promise<void> => {
  await page.addInitScript((value) => {
    ;(globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem("clawbot.token", value)
  }, token)
}

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }>
}

/** axe-core's WCAG 2.x A/AA violations on the page as it is now (evaluated in the page, whatever its CSP). */
export const axeViolations = async (page: Page): Promise<AxeViolation[]> => {
  const source = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")
  await page.evaluate(source)
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    })
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((node) => ({ target: node.target })),
    }))
  })
}

export interface System {
  readonly t: TestEdge
  readonly api: Client
  url(): string
  /** Stops the edge and starts a new one on the same port and deployment (the runtime keeps running). */
  restartEdge(): Promise<void>
  close(): Promise<void>
}

/** `runtime: false`: no runtime (entries wait in the inboxes until the test starts one on `t.deployment`). */
export const startSystem = async (options: { runtime?: boolean } = {}): Promise<System> => {
  const t = await testEdge({ limits: { perTokenPerSecond: 100_000 }, ...options })
  let edge: Edge = t.edge
  const port = t.edge.port
  return {
    t,
    api: t.api,
    url: () => `http://127.0.0.1:${port}`,
    async restartEdge() {
      await edge.close()
      edge = await edgeOn(t.deployment, {
        operatorToken: t.operatorToken,
        runtime: t.runtime,
        limits: { perTokenPerSecond: 100_000 },
        edge: { port },
      })
    },
    async close() {
      await edge.close()
      await t.deployment.close()
    },
  }
}

/** A system and a browser page holding the operator token, for the tests of one describe block: opened
 * before them (and handed to `opened`), closed after them. */
export const operatorPage = (
  options: { runtime?: boolean },
  opened: (it: { readonly system: System; readonly browser: Browser; readonly page: Page }) => void,
): void => {
  let system: System | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    system = await startSystem(options)
    browser = await openBrowser()
    const page = await browser.page()
    await withToken(page, system.t.operatorToken)
    opened({ system, browser, page })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await system?.close()
  })
}

/** Appends a raw inbox entry of an unknown type to partition 0: the runtime dead-letters it. */
export const poisonInbox = (system: System): Promise<string | null> =>
  system.t.deployment.redis.xadd(
    system.t.deployment.keys.partition(0).inbox,
    "*",
    "type",
    "EXPLODE",
    "actor",
    `task:${system.t.deployment.idIn("task", 0)}`,
    "payload",
    "{}",
  )

/** A bot on the control socket: it starts each task it is assigned and completes it when told. */
export interface TestBot {
  readonly id: string
  readonly name: string
  /** The refusals the server sent it (and any other error the SDK bot reported). */
  readonly refusals: ReadonlyArray<string>
  /** Resolves with the task id once a task is assigned (and started). */
  nextTask(): Promise<string>
  complete(taskId: string): Promise<void>
  close(): Promise<void>
}

export const startBot = async (system: System, name: string, capability: string): Promise<TestBot> => {
  const created = await system.api.post("/api/v1/agents", {
    name,
    capabilities: [capability],
    max_concurrency: 4,
    heartbeat_interval_ms: 60_000,
  })
  if (created.status !== 201) throw new Error(`agent ${name}: ${JSON.stringify(created.body)}`)
  const { id, token } = created.body as { id: string; token: string }
  const refusals: string[] = []
  /** The tasks handed to the handler, in order, and how to finish each. */
  const handed: string[] = []
  const finishers = new Map<string, (result: unknown) => void>()
  const bot = connectBot({
    url: new URL(system.url()).origin,
    token,
    onError: (error) => refusals.push(JSON.stringify({ code: error.code, message: error.message, ref: error.ref })),
  }).handle(
    capability,
    (task) =>
      new Promise((finish) => {
        finishers.set(task.task_id, finish)
        handed.push(task.task_id)
      }),
  )
  await bot.connected()
  const reaches = (taskId: string, status: string) =>
    waitFor(`task ${taskId} ${status}`, async () =>
      (await system.api.get(`/api/v1/tasks/${taskId}`)).body.status === status ? true : undefined,
    )
  let read = 0
  return {
    id,
    name,
    refusals,
    async nextTask() {
      const taskId = await waitFor("a task handed to the bot", async () => handed[read])
      read += 1
      await reaches(taskId, "in_progress")
      return taskId
    },
    async complete(taskId) {
      finishers.get(taskId)?.({ by: name })
      await reaches(taskId, "completed")
    },
    close: () => bot.close({ timeoutMs: 0 }),
  }
}

export { httpClient }
