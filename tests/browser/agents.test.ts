// The Agents page in Debian's Chromium against a runtime, an edge and an SDK bot (issue 11): each agent's
// capabilities, state, load against its capacity, success rate, breaker and the tasks it holds, live as
// its bot takes a task and completes it.
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openBrowser, screenshot, startBot, startSystem, withToken, type Browser, type System, type TestBot } from "./support.ts"

describe("the agents page", () => {
  let system: System
  let browser: Browser
  let page: Page
  let bot: TestBot

  beforeAll(async () => {
    system = await startSystem()
    bot = await startBot(system, "agents-page-bot", "paint")
    browser = await openBrowser()
    page = await browser.page()
    await withToken(page, system.t.operatorToken)
  }, 60_000)
  afterAll(async () => {
    await bot?.close()
    await browser?.close()
    await system?.close()
  })

  it("shows capabilities, state, load against capacity, success rate and breaker, live", async () => {
    await page.goto(`${system.url()}/#/agents`)
    const row = page.getByTestId("agent-agents-page-bot")
    const cells = async () => (await row.getByRole("cell").allTextContents()).map((text) => text.trim())
    await expect
      .poll(async () => (await cells()).slice(0, 6), { timeout: 15_000 })
      .toEqual(["agents-page-bot", "online", "paint", "0/4", "–", "breaker-closed"])

    const created = await system.api.post("/api/v1/tasks", { title: "paint the fence", capability: "paint" })
    expect(created.status).toBe(201)
    expect(await bot.nextTask()).toBe(created.body.id)
    await expect.poll(async () => (await cells())[3], { timeout: 10_000 }).toBe("1/4")
    expect(await row.getByRole("meter").getAttribute("aria-label")).toBe("1 of 4 tasks held")
    // the task held, named by its title, links to its statechart
    await expect.poll(async () => (await cells())[6], { timeout: 10_000 }).toBe("paint the fence")
    expect(await row.getByRole("link", { name: "paint the fence" }).getAttribute("href")).toContain(created.body.id)
    await screenshot(page, "agents-holding")

    await bot.complete(created.body.id)
    await expect.poll(async () => (await cells()).slice(3, 7), { timeout: 10_000 }).toEqual(["0/4", "100%", "breaker-closed", ""])
    expect(browser.errors).toEqual([])
  }, 60_000)
})
