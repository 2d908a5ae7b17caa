// The fleet page's counts on first load, in Debian's Chromium, while transitions go on (issue 11): the
// counts start from GET /actors/counts, which is tied to a position of the event stream (its `cursor`
// and the `versions` of the actors whose later events it may already count, src/edge/http/counts.ts),
// and the page moves them by each transition after that position once (web/src/data/counts.ts). Here
// tasks are cancelled twenty at a time from before the page opens until after its counts arrive (their
// answer held back while more transitions pass), every list read is held back, and once the
// cancellations settle the page shows exactly the server's counts, with the quarantined task counted
// apart; still exact once the lists are read.
import type { Page, Route } from "playwright-core"
import { describe, expect, it } from "vitest"
import { waitFor } from "../support/runtime.ts"
import { screenshot, type System, type Browser, operatorPage } from "./support.ts"

const TASKS = 200
const WAVE = 20

describe("the fleet page's counts while transitions happen during the load", () => {
  let system: System
  let browser: Browser
  let page: Page
  operatorPage({}, (opened) => {
    ;({ system, browser, page } = opened)
  })

  const text = (testId: string) => page.getByTestId(testId).textContent()
  const count = (kind: string, state: string) => page.getByTestId(`count-${kind}-${state}`).locator("td.num").textContent()
  const serverCounts = async () => (await system.api.get("/api/v1/actors/counts")).body
  const shown = (n: number) => n.toLocaleString("en-US")

  it("shows the server's counts exactly, each transition after their position counted once, the quarantined apart", async () => {
    const created = await system.api.post("/api/v1/tasks/batch", {
      tasks: Array.from({ length: TASKS + 1 }, (_, i) => ({ title: `counted ${i}`, capability: "nobody-has-it" })),
    })
    expect(created.status).toBe(202)
    const ids = (created.body.items as Array<{ id: string }>).map((item) => item.id)
    await waitFor("every task ready", async () => ((await serverCounts()).counts.task?.ready === TASKS + 1 ? true : undefined), 60_000)
    // One task's stored context spoiled: it is quarantined, counted apart, in no list.
    await system.t.deployment.schema.sql`update actors set snapshot = jsonb_set(snapshot, '{context,title}', '5') where id = ${ids[TASKS]!}`

    // Lists held back until the end; the counts' answer held back until two more waves have passed after it was read.
    const lists: Route[] = []
    let listsReleased = false
    await page.route(/\/api\/v1\/(sessions|tasks|agents)\?/, (route) => void (listsReleased ? route.continue() : lists.push(route)))
    let countsRead: (() => void) | undefined
    const countsWereRead = new Promise<void>((resolve) => (countsRead = resolve))
    let releaseCounts: (() => void) | undefined
    const countsReleased = new Promise<void>((resolve) => (releaseCounts = resolve))
    await page.route(/\/api\/v1\/actors\/counts$/, async (route) => {
      const response = await route.fetch()
      countsRead?.()
      await countsReleased
      await route.fulfill({ response })
    })

    let wave = 0
    const cancelWave = async () => {
      const slice = ids.slice(wave * WAVE, (wave + 1) * WAVE)
      wave += 1
      await Promise.all(
        slice.map(async (id) => expect((await system.api.post(`/api/v1/tasks/${id}/cancel`, { reason: "counted" })).status).toBe(202)),
      )
    }
    await cancelWave()
    const opened = page.goto(system.url())
    // Waves go on while the page opens and its counts are read (the answer is held meanwhile) ...
    while (wave < TASKS / WAVE - 4) {
      await cancelWave()
      if (wave === 3) await opened
    }
    await countsWereRead
    await cancelWave()
    await cancelWave()
    releaseCounts?.()
    // ... and after the counts arrived.
    while (wave < TASKS / WAVE) await cancelWave()

    await waitFor(
      "every cancellation applied",
      async () => ((await serverCounts()).counts.task?.cancelled === TASKS ? true : undefined),
      60_000,
    )
    const settled = await serverCounts()
    expect(settled.counts.task).toEqual({ cancelled: TASKS })
    expect(settled.quarantined).toEqual({ task: 1 })
    expect(lists.length).toBeGreaterThan(0)
    expect(await page.getByText("Reading every actor").count()).toBe(1)
    await expect.poll(() => count("task", "cancelled"), { timeout: 20_000 }).toBe(shown(TASKS))
    expect({
      ready: await count("task", "ready"),
      total: await text("total-task"),
      quarantined: await count("task", "quarantined"),
    }).toEqual({
      ready: "0",
      total: shown(TASKS),
      quarantined: "1",
    })
    await screenshot(page, "fleet-counts-during-load")

    listsReleased = true
    await Promise.all(lists.map((route) => route.continue()))
    await expect.poll(() => page.getByText("Reading every actor").count(), { timeout: 20_000 }).toBe(0)
    expect({
      cancelled: await count("task", "cancelled"),
      total: await text("total-task"),
      quarantined: await count("task", "quarantined"),
    }).toEqual({ cancelled: shown(TASKS), total: shown(TASKS), quarantined: "1" })
    expect(browser.errors).toEqual([])
  }, 180_000)
})
