// The dashboard in Debian's Chromium against a running system with bots (issue 11): the token asked
// once, the fleet, a session's DAG colouring as its bot completes a task, a session button, the
// statechart lighting and moving, the time slider, sending an event and seeing a refusal, the agents
// panel, dead letters, keyboard use and labels (axe-core), a phone-width layout, and an edge restart
// survived without losing or repeating a transition. Screenshots go to tests/browser/artifacts/.
import { randomUUID } from "node:crypto"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  axeViolations,
  httpClient,
  openBrowser,
  poisonInbox,
  screenshot,
  startBot,
  startSystem,
  withToken,
  type Browser,
  type System,
  type TestBot,
} from "./support.ts"

describe("the dashboard in a browser", () => {
  let system: System
  let browser: Browser
  let bot: TestBot
  let page: Page
  let session: { id: string; tasks: Record<"compile" | "test" | "package" | "docs", string> }

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

  const classOf = (selector: string) => page.locator(selector).getAttribute("class")
  const go = async (hash: string) => {
    await page.evaluate((value) => ((globalThis as unknown as { location: { hash: string } }).location.hash = value), hash)
  }

  it("asks for the token once, keeps it, and shows the fleet live", async () => {
    page = await browser.page()
    await page.goto(system.url())
    await page.getByLabel("Operator or viewer token").fill(system.t.operatorToken)
    await page.getByRole("button", { name: "Open the dashboard" }).click()
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("live")
    await expect.poll(() => page.getByTestId("total-agent").textContent()).toBe("1")
    await page.reload()
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("live")
    expect(await page.getByLabel("Operator or viewer token").count()).toBe(0)
  })

  it("colours a task node of the session DAG as its bot starts and completes it", async () => {
    const created = await system.api.post("/api/v1/sessions", {
      title: "release 1.2",
      start: true,
      tasks: [
        { key: "compile", title: "compile", capability: "build" },
        { key: "test", title: "test", capability: "build", depends_on: ["compile"] },
        { key: "package", title: "package", capability: "build", depends_on: ["test"] },
        { key: "docs", title: "docs", capability: "build", depends_on: ["compile"] },
      ],
    })
    expect(created.status).toBe(201)
    session = {
      id: created.body.id,
      tasks: Object.fromEntries(created.body.tasks.map((task: { key: string; id: string }) => [task.key, task.id])) as typeof session.tasks,
    }
    await go(`#/sessions/${session.id}`)
    const compile = `[data-node="${session.tasks.compile}"]`
    expect(await bot.nextTask()).toBe(session.tasks.compile)
    await expect.poll(() => classOf(compile)).toContain("state-in_progress")
    await expect.poll(() => classOf(`[data-node="${session.tasks.test}"]`)).toContain("state-blocked")
    await screenshot(page, "session-dag-running")
    await bot.complete(session.tasks.compile)
    await expect.poll(() => classOf(compile)).toContain("state-completed")
    // Its dependants are routed to the bot, which starts them: their nodes follow.
    const started = new Set([await bot.nextTask(), await bot.nextTask()])
    expect(started).toEqual(new Set([session.tasks.test, session.tasks.docs]))
    await expect.poll(() => classOf(`[data-node="${session.tasks.test}"]`)).toContain("state-in_progress")
    expect(await page.getByRole("button", { name: `task compile: completed` }).count()).toBe(1)
    await screenshot(page, "session-dag")
    expect(bot.refusals).toEqual([])
  })

  it("pauses and resumes the session from its buttons and shows a refused one", async () => {
    await page.getByRole("button", { name: "Pause" }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toBe("applied: now paused")
    await expect.poll(() => page.locator("#session-title .badge").textContent()).toBe("paused")
    await page.getByRole("button", { name: "Start" }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toMatch(/^refused: conflict: /)
    expect(await page.getByRole("alert").count()).toBe(1)
    await page.getByRole("button", { name: "Resume" }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toBe("applied: now running")
  })

  it("lights the actor's current state on its statechart and moves it as the actor transitions", async () => {
    await go(`#/statecharts/task/${session.tasks.package}`)
    await expect.poll(() => classOf('[data-node="blocked"]')).toContain("current")
    await screenshot(page, "statechart-blocked")
    await bot.complete(session.tasks.test)
    expect(await bot.nextTask()).toBe(session.tasks.package)
    await expect.poll(() => classOf('[data-node="in_progress"]')).toMatch(/\bcurrent\b/)
    expect(await classOf('[data-node="blocked"]')).not.toMatch(/\bcurrent\b/)
    expect(await page.getByTestId("live-state").textContent()).toContain("in_progress")
    await screenshot(page, "statechart-live")
  })

  it("steps back through the history with the time slider: the earlier state, its context and the diff", async () => {
    const history = (await system.api.get(`/api/v1/actors/task/${session.tasks.package}/history`)).body.transitions as Array<{
      version: number
      to: string
    }>
    expect(history[0]).toMatchObject({ version: 1, to: "blocked" })
    await page.locator("#version").fill("1")
    await expect.poll(() => page.getByTestId("version").textContent()).toBe("1")
    expect(await classOf('[data-node="blocked"]')).toMatch(/\bcurrent past\b/)
    expect(await classOf('[data-node="in_progress"]')).not.toMatch(/\bcurrent\b/)
    const context = JSON.parse((await page.getByTestId("context").textContent()) ?? "{}")
    expect(context).toMatchObject({ id: session.tasks.package, status: "blocked", title: "package", version: 1 })
    expect(await page.getByTestId("diff").locator("tbody tr").count()).toBeGreaterThan(5)
    await screenshot(page, "statechart-time-slider")
    // The version it left blocked at: the diff names what changed, before and after.
    const unblocked = history.find((step) => step.to !== "blocked")!
    await page.locator("#version").fill(String(unblocked.version))
    await expect.poll(() => page.getByTestId("step").textContent()).toContain(`→ ${unblocked.to}`)
    const statusRow = page.getByTestId("diff").locator("tr", { has: page.locator('th:text-is("status")') })
    expect(await statusRow.locator("td").allTextContents()).toEqual(['"blocked"', `"${unblocked.to}"`])
    await page.getByRole("button", { name: "Follow live" }).click()
    await expect.poll(() => classOf('[data-node="in_progress"]')).toMatch(/\bcurrent\b/)
  })

  it("sends an event from the chart, shows the machine's refusal, and moves on an accepted one", async () => {
    const before = (await system.api.get(`/api/v1/actors/task/${session.tasks.package}`)).body.version as number
    await page.getByLabel("Payload (JSON, snake_case)").fill(JSON.stringify({ agent_id: randomUUID() }))
    await page.getByRole("group", { name: "Events leaving in_progress" }).getByRole("button", { name: "COMPLETE", exact: true }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toMatch(/^refused: forbidden: /)
    expect((await system.api.get(`/api/v1/actors/task/${session.tasks.package}`)).body.version).toBe(before)
    await page.getByLabel("Payload (JSON, snake_case)").fill(JSON.stringify({ agent_id: bot.id, result: { by: "operator" } }))
    await page.getByRole("group", { name: "Events leaving in_progress" }).getByRole("button", { name: "COMPLETE", exact: true }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toBe("applied: now completed")
    await expect.poll(() => classOf('[data-node="completed"]')).toMatch(/\bcurrent\b/)
    const history = (await system.api.get(`/api/v1/actors/task/${session.tasks.package}/history`)).body.transitions as Array<{
      event: string
      by: string | null
    }>
    expect(history.at(-1)).toMatchObject({ event: "COMPLETE", by: "operator" })
  })

  it("shows the agents with load and breaker, drains and resumes one, and rotates a token", async () => {
    const spare = await system.api.post("/api/v1/agents", { name: "spare-bot", capabilities: ["lint"], max_concurrency: 2 })
    await go("#/agents")
    const row = page.getByTestId("agent-builder-bot")
    await expect.poll(() => row.textContent()).toContain("build")
    expect(await row.locator(".badge").first().textContent()).toMatch(/online|busy/)
    await page.getByRole("button", { name: "Drain builder-bot" }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toBe("applied: now draining")
    await expect.poll(() => row.locator(".badge").first().textContent()).toBe("draining")
    await page.getByRole("button", { name: "Resume builder-bot" }).click()
    await expect.poll(() => page.getByTestId("command-result").textContent()).toMatch(/^applied: now (online|busy)$/)
    await page.getByRole("button", { name: "Rotate token of spare-bot" }).click()
    const token = await page.getByTestId("rotated-token").textContent()
    expect(token).not.toBe(spare.body.token)
    const asSpare = httpClient(system.url(), token ?? "")
    expect((await asSpare.get(`/api/v1/agents/${spare.body.id}`)).status).toBe(200)
    expect((await httpClient(system.url(), spare.body.token).get(`/api/v1/agents/${spare.body.id}`)).status).toBe(401)
    await screenshot(page, "agents")
  })

  const poison = () => poisonInbox(system)
  const deadLetterCount = () => page.getByTestId("metric-dead letters").textContent()

  it("counts dead letters live on the fleet page, lists them with their reason and deletes one", async () => {
    await go("#/fleet")
    await expect.poll(deadLetterCount).toBe("0")
    // No reload, no button: the edge reads the total each second and the page follows it on /ws/events (`fleet`).
    await poison()
    await expect.poll(deadLetterCount).toBe("1")
    await go("#/dead-letters")
    await expect.poll(() => page.locator("table.data tbody tr").count()).toBe(1)
    expect(await page.locator("table.data tbody tr").textContent()).toContain("type: expected one of")
    await screenshot(page, "dead-letters")
    await page.getByRole("button", { name: /^Delete / }).click()
    await expect.poll(() => page.getByText("No dead letters.").count()).toBe(1)
    expect((await system.api.get("/api/v1/dead-letters")).body.items).toEqual([])

    await go("#/fleet")
    await expect.poll(deadLetterCount).toBe("0")
    await poison()
    await expect.poll(deadLetterCount).toBe("1")
    const [letter] = (await system.api.get("/api/v1/dead-letters")).body.items
    expect((await system.api.delete(`/api/v1/dead-letters/${letter.id}`)).status).toBe(204)
    await expect.poll(deadLetterCount).toBe("0")
  })

  it("is usable from the keyboard and labelled: no axe-core violations on any page", async () => {
    for (const hash of [
      "#/fleet",
      "#/sessions",
      `#/sessions/${session.id}`,
      "#/agents",
      `#/statecharts/task/${session.tasks.package}`,
      "#/dead-letters",
    ]) {
      await go(hash)
      await page.waitForSelector("main h1")
      await page.waitForLoadState("networkidle")
      expect({ hash, violations: await axeViolations(page) }).toEqual({ hash, violations: [] })
    }
    // Tab from the top reaches the navigation; a DAG node is a button that Enter opens.
    await go(`#/sessions/${session.id}`)
    await page.reload()
    await page.waitForSelector(`[data-node="${session.tasks.compile}"]`)
    await page.keyboard.press("Tab")
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent,
      ),
    ).toBe("Clawbot")
    await page.keyboard.press("Tab")
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent,
      ),
    ).toBe("Fleet")
    await page.locator(`[data-node="${session.tasks.compile}"]`).focus()
    await page.keyboard.press("Enter")
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash))
      .toBe(`#/statecharts/task/${session.tasks.compile}`)
  })

  it("fits a phone-width screen", async () => {
    const phone = await browser.page({ width: 390, height: 844 })
    await withToken(phone, system.t.operatorToken)
    for (const [hash, name] of [
      ["#/fleet", "phone-fleet"],
      [`#/sessions/${session.id}`, "phone-session"],
      ["#/agents", "phone-agents"],
    ] as const) {
      await phone.goto(`${system.url()}/${hash}`)
      await phone.waitForSelector("main h1")
      await expect.poll(() => phone.getByTestId("connection").textContent()).toContain("live")
      if (name === "phone-session") await phone.waitForSelector("svg.graph")
      const width = await phone.evaluate(
        () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
      )
      expect({ name, width }).toEqual({ name, width: 390 })
      await screenshot(phone, name)
    }
    await phone.close()
  })

  it("survives an edge restart: reconnects, resumes with since, and misses or repeats no transition", async () => {
    await go("#/fleet")
    const total = async () => Number(await page.getByTestId("total-task").textContent())
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("live")
    const tasksBefore = await total()
    const edge = system.restartEdge()
    // While no edge serves, the runtime goes on: a task created straight into the inbox.
    await expect.poll(() => page.getByTestId("connection").textContent()).toContain("reconnecting")
    const id = randomUUID()
    await system.t.deployment.append({
      kind: "task",
      id,
      type: "CREATE",
      payload: { id, title: "while away", capability: "nobody", dependsOn: [], blocked: false },
    })
    await edge
    await expect.poll(() => page.getByTestId("connection").textContent(), { timeout: 15_000 }).toContain("live")
    await expect.poll(total).toBe(tasksBefore + 1)
    // Exactly once: no repeat, and the count matches the server's.
    const listed = (await system.api.get("/api/v1/tasks?limit=200")).body.items.length
    expect(await total()).toBe(listed)
    await screenshot(page, "after-restart")
    expect(browser.errors).toEqual([])
  })
})
