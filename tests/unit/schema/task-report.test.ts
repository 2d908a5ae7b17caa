// A task's report to its session (TASK_STATUS) on the stream: the runtime's own report is written compact,
// `[index, from, status, epoch]` with states by code, and decodes back to the report; the keyed form written before it (with or without
// `task_id`) decodes as it did; a report naming its task stays keyed; what is not a report is refused, by the plain
// steps and the Schema alike (task-report.ts).
import { describe, expect, it } from "vitest"
import { decodeStreamEntries, decodeStreamEntry, inboxStreamPayload } from "../../../src/schema/commands.ts"
import { decodeInput, encodeInput } from "../../../src/schema/errors.ts"
import { TaskState } from "../../../src/schema/states.ts"
import {
  compactReport,
  keyedReport,
  plainTaskReport,
  plainTaskReportEncode,
  REPORT_STATES,
  TaskReportPayload,
} from "../../../src/schema/task-report.ts"
import { ID, value } from "./helpers.ts"

const SESSION = ID.a
const report = { index: 7, from: "ready", status: "assigned", epoch: 1 }
const entry = (payload: unknown) => ({ type: "TASK_STATUS", actor: `session:${SESSION}`, payload: JSON.stringify(payload) })
const command = (payload: Record<string, unknown>) => ({ kind: "session", id: SESSION, type: "TASK_STATUS", payload })

describe("a task's report on the stream", () => {
  it("is written compact by the runtime, and decodes back to the report", () => {
    const text = value(inboxStreamPayload(command(report)))
    expect(text).toBe(`[7,2,3,1]`)
    expect(value(decodeStreamEntry(entry(JSON.parse(text))))).toEqual({ ...command(report), kind: "session" })
  })

  it("decodes in the keyed form written before the compact one, with or without task_id", () => {
    expect(value(decodeStreamEntry(entry(report))).payload).toEqual(report)
    const named = { task_id: ID.b, ...report }
    expect(value(decodeStreamEntry(entry(named))).payload).toEqual({ taskId: ID.b, ...report })
  })

  it("stays keyed when it names its task (by the plain encode and the Schema alike)", () => {
    const named = { taskId: ID.b, ...report }
    expect(value(inboxStreamPayload(command(named)))).toBe(JSON.stringify({ task_id: ID.b, ...report }))
    expect(value(encodeInput(TaskReportPayload, named))).toEqual({ task_id: ID.b, ...report })
    expect(plainTaskReportEncode(named)).toEqual({ task_id: ID.b, ...report })
  })

  it("decodes in a batched entry, compact and keyed parts mixed", () => {
    const batched = { ...entry([[7, 2, 3, 1], report]), batch: "2" }
    expect(value(decodeStreamEntries(batched)).map((c) => c.payload)).toEqual([report, report])
  })

  it.each([
    [[7, 2, 3]],
    [[7, 2, 3, 1, 2]],
    [[-1, 2, 3, 1]],
    [[7, 10, 3, 1]],
    [[7, -1, 3, 1]],
    [[7, 2.5, 3, 1]],
    [[7, "ready", "assigned", 1]],
    [[7, 2, 3, 1.5]],
    [["7", 2, 3, 1]],
    [{ ...report, extra: 1 }],
    [{ index: 7, from: "ready", status: "assigned" }],
    [null],
  ])("refuses %j, by the plain step and the Schema alike", (payload) => {
    expect(plainTaskReport(payload)).toBeUndefined()
    expect(decodeInput(TaskReportPayload, payload).ok).toBe(false)
    expect(decodeStreamEntry(entry(payload)).ok).toBe(false)
  })

  it("names each state by its code, a fixed table of every task state", () => {
    expect([...REPORT_STATES].sort()).toEqual([...TaskState.literals].sort())
    // Stored and appended reports name states by these codes: the table only ever grows at its end.
    expect(REPORT_STATES.slice(0, 10)).toEqual([
      "blocked",
      "awaiting_approval",
      "ready",
      "assigned",
      "in_progress",
      "retry_wait",
      "completed",
      "failed",
      "cancelled",
      "timed_out",
    ])
    for (const [code, state] of REPORT_STATES.entries())
      expect(keyedReport(compactReport({ index: 1, from: state, status: "ready", epoch: 0 }))).toEqual({
        index: 1,
        from: REPORT_STATES[code],
        status: "ready",
        epoch: 0,
      })
  })

  it("is decoded by the plain step exactly as by the Schema", () => {
    const states = ["blocked", "ready", "assigned", "in_progress", "completed"]
    for (let index = 0; index < 40; index += 1) {
      const compact = [index, index % 10, (index + 3) % 10, index % 3]
      expect(plainTaskReport(compact)).toEqual(value(decodeInput(TaskReportPayload, compact)))
      const keyed = { index, from: states[index % 5], status: states[(index + 1) % 5], epoch: index % 4 }
      expect(plainTaskReport(keyed)).toEqual(value(decodeInput(TaskReportPayload, keyed)))
      expect(plainTaskReportEncode(keyed)).toEqual(value(encodeInput(TaskReportPayload, keyed)))
    }
  })
})
