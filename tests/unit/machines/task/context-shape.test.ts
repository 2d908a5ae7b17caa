// The task's context as created: its members in one fixed order, FRESH_RUN's first with FRESH_RUN's values. The
// order is what a stored snapshot's JSON follows (machines/task.ts writes the members out for speed rather than
// spreading FRESH_RUN: this holds the two together).
import { describe, expect, it } from "vitest"
import { FRESH_RUN } from "../../../../machines/task.ts"
import { startTask } from "./harness.ts"

const IN_ORDER = [
  ...Object.keys(FRESH_RUN),
  "attempt",
  "attemptsBefore",
  "takenFrom",
  "refuseAssignFrom",
  "id",
  "sessionId",
  "index",
  "key",
  "title",
  "capability",
  "payload",
  "dependsOn",
  "dependants",
  "dependenciesDone",
  "held",
  "epoch",
  "finishedEpoch",
  "timeoutS",
  "maxAttempts",
  "priority",
  "group",
  "requiresApproval",
  "approvalTimeoutS",
  "approvedAt",
  "approvalDeadlineAt",
  "status",
  "createdAt",
  "updatedAt",
]

describe("task context shape", () => {
  it("starts with FRESH_RUN's members and values, then the rest in a fixed order", () => {
    const task = startTask({ blocked: true })
    const context = task.context()
    expect(Object.keys(context)).toEqual(IN_ORDER)
    expect(Object.fromEntries(Object.keys(FRESH_RUN).map((key) => [key, context[key as keyof typeof context]]))).toEqual(FRESH_RUN)
  })
})
