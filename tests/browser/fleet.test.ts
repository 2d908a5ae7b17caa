// The fleet page and the live lists in Debian's Chromium against a running system (issue 11): the inbox
// lag charted in entries as entries wait with no runtime and fall to none once one applies them, the dead
// letters charted as the runtime dead-letters one (both from the `fleet` topic of /ws/events); counts by
// state that start from the server's totals while the lists are still being read (held back here), and
// move live; a session erased (`?hard=1`) or soft-deleted leaving the lists and counts, with its tasks,
// as its event comes, with no reload. Screenshots go to tests/browser/artifacts/.
import type { Page, Route } from "playwright-core"
import { describe, expect, it } from "vitest"
import { poisonInbox, screenshot, type System, type Browser, operatorPage } from "./support.ts"

describe("the fleet page and live lists", () => {
  let system: System
  let browser: Browser
  let page: Page
  operatorPage({ runtime: false }, (opened) => {
    ;({ system, browser, page } = opened)
  })

  const text = (testId: string) => page.getByTestId(testId).textContent()
  const chartLabel = (label: string) => page.getByRole("img", { name: new RegExp(`^${label}:`) }).getAttribute("aria-label")
  const count = (kind: string, state: string) => page.getByTestId(`count-${kind}-${state}`).locator("td.num").textContent()
  const go = async (hash: string) => {
    await page.evaluate((value) => ((globalThis as unknown as { location: { hash: string } }).location.hash = value), hash)
  }
  const createTasks = async (n: number, title: string): Promise<string[]> => {
    const tasks = Array.from({ length: n }, (_, i) => ({ title: `${title} ${i}`, capability: "nobody-has-it" }))
    const created = await system.api.post("/api/v1/tasks/batch", { tasks })
    expect(created.status).toBe(202)
    return created.body.items.map((item: { id: string }) => item.id)
  }
  const serverCounts = async () => (await system.api.get("/api/v1/actors/counts")).body.counts

  it("charts the inbox lag in entries while no runtime applies them, and the dead letters once one does", async () => {
    await page.goto(system.url())
    await expect.poll(() => text("connection")).toContain("live")
    await expect.poll(() => text("metric-inbox lag")).toBe("0 entries")
    await expect.poll(() => text("metric-dead letters")).toBe("0")
    expect(await text("oldest-entry")).toBe("none waiting")

    await createTasks(3, "waiting")
    await poisonInbox(system)
    await expect.poll(() => text("metric-inbox lag")).toBe("4 entries")
    const waited = async () => Number((await text("oldest-entry"))?.match(/^oldest waiting ([\d,]+) ms$/)?.[1]?.replace(/,/g, ""))
    const first = await waited()
    expect(first).toBeGreaterThanOrEqual(0)
    await expect.poll(waited).toBeGreaterThan(first)
    expect(await chartLabel("inbox lag")).toBe("inbox lag: 4 entries now, at most 4 entries in the last minute")
    await screenshot(page, "fleet-inbox-lag")

    await system.t.deployment.startRuntime()
    await expect.poll(() => text("metric-inbox lag"), { timeout: 20_000 }).toBe("0 entries")
    await expect.poll(() => text("metric-dead letters")).toBe("1")
    expect(await text("oldest-entry")).toBe("none waiting")
    expect(await chartLabel("inbox lag")).toBe("inbox lag: 0 entries now, at most 4 entries in the last minute")
    expect(await chartLabel("dead letters")).toBe("dead letters: 1 now, at most 1 in the last minute")
    await expect.poll(() => count("task", "ready")).toBe("3")
    await screenshot(page, "fleet-charts")
  }, 60_000)

  it("starts its counts from the server's totals while the lists are still read, and keeps them live", async () => {
    const ready = (await serverCounts()).task?.ready ?? 0
    const ids = await createTasks(250, "many")
    await expect.poll(async () => (await serverCounts()).task?.ready, { timeout: 30_000 }).toBe(ready + 250)
    const total = Object.values((await serverCounts()).task as Record<string, number>).reduce((a, b) => a + b, 0)
    const shown = (n: number) => n.toLocaleString("en-US")
    // Every list read waits until the test lets it go: the counts can come only from the totals.
    const held: Route[] = []
    let released = false
    await page.route(/\/api\/v1\/(sessions|tasks|agents)\?/, (route) => void (released ? route.continue() : held.push(route)))
    await page.reload()
    await expect.poll(() => held.length, { timeout: 15_000 }).toBeGreaterThan(0)
    // The totals read every stored actor (quarantined ones counted apart): allow for a loaded machine.
    await expect.poll(() => text("total-task"), { timeout: 15_000 }).toBe(shown(total))
    expect(await count("task", "ready")).toBe(shown(ready + 250))
    expect(await page.getByText("Reading every actor").count()).toBe(1)

    const cancelled = Number(await count("task", "cancelled"))
    expect((await system.api.post(`/api/v1/tasks/${ids[0]}/cancel?wait=1`, { reason: "not needed" })).status).toBe(200)
    await expect.poll(() => count("task", "cancelled")).toBe(shown(cancelled + 1))
    expect(await count("task", "ready")).toBe(shown(ready + 249))
    expect(held.length).toBe(3)

    released = true
    await Promise.all(held.map((route) => route.continue()))
    await expect.poll(() => page.getByText("Reading every actor").count()).toBe(0)
    expect({ total: await text("total-task"), ready: await count("task", "ready"), cancelled: await count("task", "cancelled") }).toEqual({
      total: shown(total),
      ready: shown(ready + 249),
      cancelled: shown(cancelled + 1),
    })
    await page.unroute(/\/api\/v1\/(sessions|tasks|agents)\?/)
  }, 90_000)

  it("drops an erased session with its tasks, and a soft-deleted one, from the lists and counts as their events come", async () => {
    const create = async (title: string) => {
      const created = await system.api.post("/api/v1/sessions", {
        title,
        tasks: [
          { key: "a", title: "a", capability: "nobody-has-it" },
          { key: "b", title: "b", capability: "nobody-has-it", depends_on: ["a"] },
        ],
      })
      expect(created.status).toBe(201)
      return created.body.id as string
    }
    const taskTotal = async () => Object.values((await serverCounts()).task as Record<string, number>).reduce((a, b) => a + b, 0)
    const tasksBefore = await taskTotal()
    const erased = await create("to be erased")
    const hidden = await create("to be hidden")
    await go("#/sessions")
    const row = (title: string) => page.getByRole("link", { name: title }).count()
    await expect.poll(() => row("to be erased")).toBe(1)
    await expect.poll(() => row("to be hidden")).toBe(1)

    expect((await system.api.delete(`/api/v1/sessions/${erased}?hard=1`)).status).toBe(202)
    await expect.poll(() => row("to be erased")).toBe(0)
    expect(await row("to be hidden")).toBe(1)
    expect((await system.api.delete(`/api/v1/sessions/${hidden}`)).status).toBe(202)
    await expect.poll(() => row("to be hidden")).toBe(0)
    await expect.poll(async () => (await system.api.get(`/api/v1/sessions/${erased}`)).status).toBe(404)

    // The erased session's two tasks are gone from the counts; the hidden one's stay (GET /tasks lists them).
    await go("#/fleet")
    await expect.poll(() => text("total-session")).toBe("0")
    await expect.poll(() => text("total-task")).toBe((tasksBefore + 2).toLocaleString("en-US"))
    expect(await taskTotal()).toBe(tasksBefore + 2)
    expect((await serverCounts()).session).toBeUndefined()
    expect(browser.errors).toEqual([])
  }, 60_000)
})
