// Issue 11's "done when", as a newcomer does it, in Debian's Chromium: `clawbot start` (the built bin, on
// this test's Redis prefix and Postgres schema) prints the dashboard's URL and the operator token; the
// page at that URL asks for a token, takes the printed one, and shows the fleet live with no further step.
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { findFreePort } from "../../src/embedded/free-port.ts"
import { freshSchema, type TestSchema } from "../support/postgres.ts"
import { redisUrl } from "../support/redis.ts"
import { run, terminate, type Run } from "../e2e/start/support.ts"
import { openBrowser, screenshot, type Browser } from "./support.ts"

describe("a newcomer opens the dashboard clawbot start prints", () => {
  let schema: TestSchema
  /** Its own data folder: one `clawbot start` at a time may use one (other tests start it from the repository too). */
  let dataDir: string
  let started: Run | undefined
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    schema = await freshSchema({ migrated: false })
    dataDir = await mkdtemp(join(tmpdir(), "clawbot-newcomer-"))
    browser = await openBrowser()
    page = await browser.page()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    if (started) expect(await terminate(started)).toBe(0)
    await schema?.drop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it("enters the printed token at the printed URL and sees the fleet live", async () => {
    const port = await findFreePort()
    started = run(["start", "--port", String(port)], {
      env: { REDIS_URL: await redisUrl(), DATABASE_URL: schema.url, CLAWBOT_PREFIX: schema.schema, CLAWBOT_DATA_DIR: dataDir },
    })
    const [, url] = (await started.line(/^clawbot: dashboard: (\S+)$/)) as unknown as [string, string]
    const [token] = await started.line(/^[A-Za-z0-9_-]{40,}$/)
    expect(url).toBe(`http://127.0.0.1:${port}/`)

    await page.goto(url)
    await page.getByLabel("Operator or viewer token").fill(token)
    await page.getByRole("button", { name: "Open the dashboard" }).click()
    await expect.poll(() => page.getByRole("heading", { name: "Fleet", level: 1 }).count(), { timeout: 15_000 }).toBe(1)
    await expect.poll(() => page.getByTestId("connection").textContent(), { timeout: 15_000 }).toContain("live")
    await expect.poll(() => page.getByText("Reading every actor").count(), { timeout: 15_000 }).toBe(0)
    await expect.poll(() => page.getByTestId("total-session").textContent()).toBe("0")
    await screenshot(page, "newcomer-fleet")
    expect(browser.errors).toEqual([])
  }, 120_000)
})
