// The dead letters page's Replay button (issue 11: "replay or delete"), in Debian's Chromium against a
// runtime and an edge: a raw inbox entry the runtime cannot apply is dead-lettered; Replay appends it to its
// inbox again (POST /dead-letters/{id}/replay), where it fails again and comes back as a new dead letter:
// the old one leaves the list, the new one (another inbox entry, the same reason) is listed, with no reload.
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { waitFor } from "../support/runtime.ts"
import { poisonInbox, screenshot, type System, type Browser, operatorPage } from "./support.ts"

interface Letter {
  readonly id: string
  readonly source: string
  readonly reason: string
}

describe("the dead letters page", () => {
  let system: System
  let browser: Browser
  let page: Page
  operatorPage({}, (opened) => {
    ;({ system, browser, page } = opened)
  })

  const letters = async (): Promise<Letter[]> => (await system.api.get("/api/v1/dead-letters")).body.items

  it("replays a dead letter from its button: appended to its inbox again, dead-lettered again as a new entry", async () => {
    await poisonInbox(system)
    const [first] = await waitFor("the raw entry dead-lettered", async () => {
      const found = await letters()
      return found.length === 1 ? found : undefined
    })
    await page.goto(`${system.url()}/#/dead-letters`)
    await expect.poll(() => page.getByTestId(`dead-${first!.id}`).count(), { timeout: 15_000 }).toBe(1)

    await page.getByRole("button", { name: `Replay ${first!.id}` }).click()
    const [again] = await waitFor("the replayed entry dead-lettered again", async () => {
      const found = await letters()
      return found.length === 1 && found[0]!.id !== first!.id ? found : undefined
    })
    expect(again!.source).not.toBe(first!.source)
    expect(again!.reason).toBe(first!.reason)
    await expect.poll(() => page.getByTestId(`dead-${again!.id}`).count(), { timeout: 10_000 }).toBe(1)
    expect(await page.getByTestId(`dead-${first!.id}`).count()).toBe(0)
    await screenshot(page, "dead-letter-replayed")
    expect(browser.errors).toEqual([])
  }, 60_000)
})
