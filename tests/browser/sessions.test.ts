// The Sessions pages in Debian's Chromium against a runtime and an edge (issue 11): the live list shows
// each session's state, progress, health and age, filters by state and by title, and takes new sessions
// and their transitions from the event socket alone (no request to the API while they come); a session's
// page shows its progress, health and checkpoints, and its timeline grows live as its tasks transition; a
// session of hundreds of tasks shows its latest transitions, read from every page of the timeline.
import type { Page, Request } from "playwright-core"
import { describe, expect, it } from "vitest"
import { waitFor } from "../support/runtime.ts"
import { screenshot, type System, type Browser, operatorPage } from "./support.ts"

describe("the sessions list and a session's page", () => {
  let system: System
  let browser: Browser
  let page: Page
  operatorPage({}, (opened) => {
    ;({ system, browser, page } = opened)
  })

  const create = async (title: string, start: boolean) => {
    const created = await system.api.post("/api/v1/sessions", {
      title,
      start,
      tasks: [
        { key: "a", title: "a", capability: "nobody-has-it" },
        { key: "b", title: "b", capability: "nobody-has-it", depends_on: ["a"] },
      ],
    })
    expect(created.status).toBe(201)
    return {
      id: created.body.id as string,
      tasks: Object.fromEntries(created.body.tasks.map((t: { key: string; id: string }) => [t.key, t.id])),
    }
  }
  const rows = () => page.getByRole("row").filter({ has: page.getByRole("link") })
  const rowOf = (title: string) => rows().filter({ has: page.getByRole("link", { name: title }) })
  const status = () => page.locator(".filters [role=status]").textContent()

  it("lists sessions live with state, progress, health and age, filtered by state and title, from events alone", async () => {
    await create("alpha build", true)
    await page.goto(`${system.url()}/#/sessions`)
    await expect.poll(() => rowOf("alpha build").count(), { timeout: 15_000 }).toBe(1)

    // From now on nothing is read over HTTP: new sessions and their transitions come on the socket.
    const reads: string[] = []
    const onRequest = (request: Request) => void (request.url().includes("/api/") && reads.push(request.url()))
    page.on("request", onRequest)
    const beta = await create("beta docs", false)
    await create("gamma tests", true)
    await expect.poll(() => rowOf("beta docs").count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => rowOf("gamma tests").count(), { timeout: 10_000 }).toBe(1)
    expect((await system.api.post(`/api/v1/sessions/${beta.id}/start?wait=1`, {})).status).toBe(200)
    await expect.poll(() => rowOf("beta docs").locator(".badge").textContent()).not.toBe("pending")
    page.off("request", onRequest)
    expect(reads).toEqual([])

    const alpha = (await system.api.get("/api/v1/sessions?limit=200")).body.items.find((s: { title: string }) => s.title === "alpha build")
    const cells = await rowOf("alpha build").getByRole("cell").allTextContents()
    expect({ title: cells[0], state: cells[1], health: cells[3] }).toEqual({
      title: "alpha build",
      state: alpha.status,
      health: String(alpha.health ?? "–"),
    })
    expect(await rowOf("alpha build").getByRole("progressbar").getAttribute("aria-label")).toBe("0 of 2 tasks completed")
    expect(cells[4]).toMatch(/^\d+ s$/)

    await page.getByRole("searchbox").fill("beta")
    await expect.poll(() => rows().count()).toBe(1)
    expect(await status()).toBe("1 of 3")
    await page.getByRole("searchbox").fill("")
    await page.getByRole("combobox").selectOption("pending")
    await expect.poll(() => rows().count()).toBe(0)
    await page.getByRole("combobox").selectOption("")
    await expect.poll(() => rows().count()).toBe(3)
    await screenshot(page, "sessions-list")
  }, 90_000)

  it("shows a session's progress, health and checkpoints, and its timeline growing live", async () => {
    const session = await create("delta release", true)
    await page.goto(`${system.url()}/#/sessions/${session.id}`)
    const timeline = page.getByRole("list", { name: "Timeline" }).getByRole("listitem")
    await expect.poll(() => timeline.count(), { timeout: 15_000 }).toBeGreaterThan(0)
    const facts = async () =>
      Object.fromEntries(
        await page.locator("dl.facts").evaluate((dl) => {
          const terms = [...dl.querySelectorAll("dt")].map((dt) => dt.textContent ?? "")
          return terms.map((term, i) => [term, dl.querySelectorAll("dd")[i]?.textContent ?? ""])
        }),
      )
    const view = (await system.api.get(`/api/v1/sessions/${session.id}`)).body
    await expect.poll(async () => (await facts())["Progress"]).toBe("0/2 tasks completed")
    expect((await facts())["Health"]).toBe(String(view.health ?? "–"))
    expect((await facts())["Checkpoints"]).toBe(String(view.checkpoints ?? 0))

    const before = await timeline.count()
    expect((await system.api.post(`/api/v1/tasks/${session.tasks.a}/cancel?wait=1`, { reason: "timeline" })).status).toBe(200)
    await expect.poll(() => timeline.count(), { timeout: 10_000 }).toBeGreaterThan(before)
    await expect
      .poll(async () => (await timeline.allTextContents()).some((text) => /^.*task a .*→\s*cancelled\s*CANCEL/.test(text)))
      .toBe(true)
    await screenshot(page, "session-timeline")
    expect(browser.errors).toEqual([])
  }, 60_000)

  it("shows the latest 200 transitions of a session whose timeline spans several pages of the API", async () => {
    const tasks = Array.from({ length: 600 }, (_, n) => ({ key: `t${n}`, title: `t${n}`, capability: "nobody-has-it" }))
    const created = await system.api.post("/api/v1/sessions", { title: "epsilon wide", start: true, tasks })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect((await system.api.post(`/api/v1/sessions/${id}/cancel?wait=1`, {})).status).toBe(200)
    // Every task cancelled: more than one page of 1,000 transitions, and nothing more to come.
    const whole = await waitFor("every task cancelled", async () => {
      const steps: Array<{ to: string; event: string; kind: string; actor_id: string }> = []
      let cursor: string | null = null
      do {
        const page: { body: { transitions: typeof steps; next_cursor: string | null } } = await system.api.get(
          `/api/v1/sessions/${id}/timeline${cursor === null ? "" : `?cursor=${cursor}`}`,
        )
        steps.push(...page.body.transitions)
        cursor = page.body.next_cursor
      } while (cursor !== null)
      const cancelled = steps.filter((step) => step.kind === "task" && step.to === "cancelled").length
      return cancelled === tasks.length ? steps : undefined
    })
    expect(whole.length).toBeGreaterThan(1_000)

    await page.goto(`${system.url()}/#/sessions/${id}`)
    const timeline = page.getByRole("list", { name: "Timeline" }).getByRole("listitem")
    await expect.poll(() => timeline.count(), { timeout: 15_000 }).toBe(200)
    // They are the timeline's last 200 in order (not the last of the API's first page): each names its actor and event.
    const keys = new Map(created.body.tasks.map((task: { key: string; id: string }) => [task.id, task.key]))
    const named = (step: (typeof whole)[number]) => `${step.kind === "task" ? `task ${keys.get(step.actor_id)}` : "session"} ${step.event}`
    const shown = (await timeline.allTextContents()).map((text) => {
      const words = text.replace(/\s+/g, " ").trim().split(" ")
      const actor = words.indexOf("task") >= 0 ? `task ${words[words.indexOf("task") + 1]}` : "session"
      return `${actor} ${words.at(-1)}`
    })
    expect(shown).toEqual(whole.slice(-200).map(named))
    expect(browser.errors).toEqual([])
  }, 90_000)
})
