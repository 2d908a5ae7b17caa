// The bench's no-op payload: 100 bytes of JSON whatever the task's number and what a scenario adds.
import { describe, expect, it } from "vitest"
import { noopPayload, PAYLOAD_BYTES } from "../../../bench/support/payload.ts"

describe("noopPayload", () => {
  it("is exactly PAYLOAD_BYTES of JSON for any task number, with or without the submit time", () => {
    expect(PAYLOAD_BYTES).toBe(100)
    for (const i of [0, 7, 12_345, 4_999_999]) {
      expect(JSON.stringify(noopPayload(i))).toHaveLength(100)
      expect(JSON.stringify(noopPayload(i, { at: 1_764_547_200_123 }))).toHaveLength(100)
    }
  })

  it("keeps the task's number and what the scenario adds", () => {
    expect(noopPayload(3, { at: 42 })).toMatchObject({ i: 3, at: 42 })
  })
})
