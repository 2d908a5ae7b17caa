// A batched inbox entry (what append-runs.lua writes: `batch` = n, `payload` a JSON array of n payloads)
// decodes to its commands in order, each payload checked like HTTP input; a malformed batch is refused
// whole with the reason its dead letter records.
import { describe, expect, it } from "vitest"
import { decodeStreamEntries, decodeStreamEntry } from "../../../src/schema/commands.ts"

const TASK = "00000000-0000-4000-8000-00000000000a"
const AGENT = "00000000-0000-4000-8000-00000000000b"

const release = (n: number) => ({ task_id: TASK, outcome: n % 2 === 0 ? "completed" : "failed" })
const batched = (payloads: unknown[], extra: Record<string, string> = {}) => ({
  type: "RELEASE",
  actor: `agent:${AGENT}`,
  payload: JSON.stringify(payloads),
  batch: String(payloads.length),
  ...extra,
})
const reason = (fields: Record<string, string>) => {
  const decoded = decodeStreamEntries(fields)
  return decoded.ok ? "decoded" : decoded.error.message
}

describe("batched inbox entries", () => {
  it("decode to their commands in order, camelCase, one actor and one type", () => {
    const decoded = decodeStreamEntries(batched([release(0), release(1)]))
    expect(decoded.ok && decoded.value).toEqual([
      { kind: "agent", id: AGENT, type: "RELEASE", payload: { taskId: TASK, outcome: "completed" } },
      { kind: "agent", id: AGENT, type: "RELEASE", payload: { taskId: TASK, outcome: "failed" } },
    ])
  })

  it("decode an ordinary entry as its one command", () => {
    const decoded = decodeStreamEntries({ type: "RELEASE", actor: `agent:${AGENT}`, payload: JSON.stringify(release(0)), cmdId: "c-1" })
    expect(decoded.ok && decoded.value).toEqual([
      { kind: "agent", id: AGENT, type: "RELEASE", payload: { taskId: TASK, outcome: "completed" }, cmdId: "c-1" },
    ])
  })

  it("are refused whole when malformed, naming what is wrong", () => {
    expect(reason({ ...batched([release(0), release(1)]), batch: "3" })).toBe("payload: expected a JSON array of 3 payloads (batch)")
    expect(reason({ ...batched([release(0)]), batch: "0" })).toBe('batch: expected a count from 1 to 1000, got "0"')
    expect(reason({ ...batched([release(0)]), batch: "1001" })).toBe('batch: expected a count from 1 to 1000, got "1001"')
    expect(reason(batched([release(0), { task_id: TASK }]))).toBe("payload[1]: payload.outcome: is missing")
    expect(reason(batched([release(0), release(1)], { cmdId: "c-1" }))).toBe("batch: a batched entry carries no cmdId or replyTo")
    expect(reason({ type: "CREATE", actor: `agent:${AGENT}`, payload: "[{}]", batch: "1" })).toMatch(/^payload\[0\]: /)
  })

  it("are refused where one command is expected (an operator's raw event)", () => {
    const decoded = decodeStreamEntry(batched([release(0), release(1)]))
    expect(decoded.ok ? "decoded" : decoded.error.message).toBe("batch: one command expected")
  })
})
