// The tests' `waitFor` tells the truth: an assertion broken inside the probe fails at once (it used to be
// retried until it happened to hold), and a timeout names what it waited for and the probe's last error.
import { describe, expect, it } from "vitest"
import { waitFor } from "../../support/runtime.ts"

describe("waitFor", () => {
  it("answers the probe's first value", async () => {
    let calls = 0
    expect(await waitFor("the third call", async () => ((calls += 1) === 3 ? calls : undefined))).toBe(3)
  })

  it("fails at once with an assertion the probe broke, even if it would hold later", async () => {
    let calls = 0
    const probe = async () => {
      calls += 1
      expect(calls).toBe(2)
      return true
    }
    await expect(waitFor("an invariant", probe)).rejects.toThrow("expected 1 to be 2")
    expect(calls).toBe(1)
  })

  it("retries other errors, and a timeout fails with the last one", async () => {
    let calls = 0
    const failure = waitFor(
      "a server",
      async () => {
        calls += 1
        throw new Error(`connection refused (attempt ${calls})`)
      },
      100,
    )
    await expect(failure).rejects.toThrow(
      /^timed out after 100 ms waiting for a server; the probe last failed with: connection refused \(attempt \d+\)$/,
    )
    await expect(failure).rejects.toMatchObject({ cause: { message: `connection refused (attempt ${calls})` } })
    expect(calls).toBeGreaterThan(1)
  })
})
