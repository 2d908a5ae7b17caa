// A bot's outbox on its own: frame ids unique to the instance, a frame held until acked and sent again (same id)
// after a reconnect, a late ack reported so the bot reconnects, a frame given up after its tries, a frame refused in
// passing sent again, frames the server dropped sent again a second later, a later frame of its key that overtook it
// sent again behind it, and a refusal after the ack passed on as the machine's verdict.
import { describe, expect, it, type MockInstance, vi } from "vitest"
import { Outbox } from "../../../src/client/bot/outbox.ts"
import type { ClawbotError } from "../../../src/client/errors.ts"

const setup = (overrides: { open?: boolean; maxTries?: number } = {}) => {
  const sent: Array<{ id: string; type: string }> = []
  let open = overrides.open ?? true
  const late = vi.fn()
  const refusedLater = vi.fn<(error: ClawbotError, frame: unknown) => void>()
  const outbox = new Outbox({
    send: (text) => {
      if (open) sent.push(JSON.parse(text))
      return open
    },
    late,
    refusedLater,
    ackTimeoutMs: 1_000,
    maxTries: overrides.maxTries ?? 3,
  })
  return { outbox, sent, late, refusedLater, setOpen: (value: boolean) => void (open = value) }
}

const heartbeat = { type: "heartbeat", payload: {} } as const
/** A report of task `t`. */
const frame = (type: string) => ({ type, payload: { task_id: "t", attempt: 1 } }) as never

/** Runs `test` on fake timers, each wait of a frame refused in passing drawn at the top of its range (`random` may
 * move it); restores both after. */
const atTopOfDraws = async (test: (random: MockInstance<() => number>) => void | Promise<void>): Promise<void> => {
  vi.useFakeTimers()
  const random = vi.spyOn(Math, "random").mockReturnValue(1)
  try {
    await test(random)
  } finally {
    random.mockRestore()
    vi.useRealTimers()
  }
}

describe("Outbox", () => {
  it("settles a frame with its ack, and gives distinct ids", async () => {
    const { outbox, sent } = setup()
    const first = outbox.send(heartbeat)
    const second = outbox.send(heartbeat)
    const [a, b] = sent
    expect(a?.id).not.toBe(b?.id)
    expect(a?.id).toMatch(/^[0-9a-f]{12}-1$/u)
    outbox.ack(a?.id as string, "1-1")
    expect(await first).toEqual({ ok: true, streamId: "1-1" })
    expect(outbox.size).toBe(1)
    outbox.refuse({ code: "validation_failed", message: "bad", ref: b?.id as string })
    expect(await second).toMatchObject({ ok: false, error: { code: "validation_failed", message: "bad" } })
  })

  it("holds a frame sent while closed and sends it, with the same id, once open again", () => {
    const { outbox, sent, setOpen } = setup({ open: false })
    void outbox.send(heartbeat)
    expect(sent).toEqual([])
    setOpen(true)
    outbox.resend()
    outbox.resend()
    expect(sent).toHaveLength(2)
    expect(sent[0]?.id).toBe(sent[1]?.id)
  })

  it("reports a late ack, and gives the frame up after its tries", async () => {
    vi.useFakeTimers()
    try {
      const { outbox, late } = setup({ maxTries: 2 })
      const result = outbox.send(heartbeat)
      vi.advanceTimersByTime(1_000)
      expect(late).toHaveBeenCalledTimes(1)
      outbox.resend()
      vi.advanceTimersByTime(1_000)
      expect(await result).toMatchObject({ ok: false, error: { code: "unavailable", message: "heartbeat: no ack after 2 sends" } })
      expect(late).toHaveBeenCalledTimes(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it("sends a frame refused in passing (rate_limited, unavailable) again, same id, after a growing wait, within its tries", () =>
    // The wait is drawn from the upper half of 1 s, 2 s, ...: here its top.
    atTopOfDraws(async (random) => {
      const { outbox, sent } = setup({ maxTries: 3 })
      const result = outbox.send(heartbeat)
      const id = sent[0]?.id as string
      expect(outbox.refuse({ code: "rate_limited", message: "over the rate", ref: id })).toBe(true)
      vi.advanceTimersByTime(999)
      expect(sent).toHaveLength(1)
      vi.advanceTimersByTime(1)
      expect(sent.map((frame) => frame.id)).toEqual([id, id])
      outbox.refuse({ code: "unavailable", message: "Redis unreachable", ref: id })
      vi.advanceTimersByTime(1_999)
      expect(sent).toHaveLength(2)
      vi.advanceTimersByTime(1)
      expect(sent).toHaveLength(3)
      outbox.ack(id, "1-3")
      expect(await result).toEqual({ ok: true, streamId: "1-3" })

      // Past its tries, the refusal settles it.
      const given = outbox.send(heartbeat)
      const other = sent[3]?.id as string
      for (const waitMs of [1_000, 2_000]) {
        outbox.refuse({ code: "unavailable", message: "Redis unreachable", ref: other })
        vi.advanceTimersByTime(waitMs)
      }
      expect(sent.filter((frame) => frame.id === other)).toHaveLength(3)
      outbox.refuse({ code: "unavailable", message: "Redis unreachable", ref: other })
      expect(await given).toMatchObject({ ok: false, error: { code: "unavailable", message: "Redis unreachable" } })

      // At the bottom of the draw, half the wait.
      random.mockReturnValue(0)
      void outbox.send(heartbeat)
      const third = sent.at(-1)?.id as string
      outbox.refuse({ code: "rate_limited", message: "over the rate", ref: third })
      vi.advanceTimersByTime(500)
      expect(sent.filter((frame) => frame.id === third)).toHaveLength(2)
    }))

  it("holds a key's later frames behind one that waits to go again, then sends them after it, in order", () =>
    atTopOfDraws(() => {
      const { outbox, sent } = setup()
      void outbox.send(frame("task_started"), "t")
      void outbox.send(frame("task_progress"), "t")
      void outbox.send(heartbeat, "other")
      const [started, progress, other] = sent.map((one) => one.id)
      // The start is refused in passing, then the progress sent after it too: the progress waits behind the start.
      outbox.refuse({ code: "rate_limited", message: "in flight", ref: started as string })
      outbox.refuse({ code: "rate_limited", message: "in flight", ref: progress as string })
      // A frame of the key sent meanwhile is held too; another key's frame is not.
      void outbox.send(frame("task_complete"), "t")
      void outbox.send(heartbeat, "other")
      expect(sent.map((one) => one.type)).toEqual(["task_started", "task_progress", "heartbeat", "heartbeat"])
      vi.advanceTimersByTime(1_000)
      expect(sent.slice(4).map((one) => one.type)).toEqual(["task_started", "task_progress", "task_complete"])
      expect(sent.slice(4, 6).map((one) => one.id)).toEqual([started, progress])
      expect(other).toBeDefined()
    }))

  it("sends a frame that overtook an earlier one of its key refused in passing again after it, when refused after its ack", () =>
    atTopOfDraws(async () => {
      const { outbox, sent, refusedLater } = setup()
      void outbox.send(frame("task_started"), "t")
      const completed = outbox.send(frame("task_complete"), "t")
      void outbox.send(frame("task_complete"), "u")
      const [started, complete, other] = sent.map((one) => one.id as string)
      // The server read them apart: the start refused in passing, the completion accepted, then refused by the
      // machine (the task was still assigned).
      outbox.refuse({ code: "rate_limited", message: "over the rate", ref: started as string })
      outbox.ack(complete as string, "1-1")
      expect(await completed).toEqual({ ok: true, streamId: "1-1" })
      expect(outbox.refuse({ code: "conflict", message: "task t is assigned", ref: complete as string })).toBe(true)
      expect(refusedLater).not.toHaveBeenCalled()
      // Sent again as a new frame, right behind the start.
      expect(sent).toHaveLength(3)
      vi.advanceTimersByTime(1_000)
      expect(sent.slice(3).map((one) => [one.id === started, one.type])).toEqual([
        [true, "task_started"],
        [false, "task_complete"],
      ])
      const again = sent[4]?.id as string
      expect(again).not.toBe(complete)
      outbox.ack(started as string, "1-2")
      outbox.ack(again, "1-3")
      expect(outbox.size).toBe(1)
      // Once in order, a refusal is the machine's verdict: passed on.
      outbox.refuse({ code: "conflict", message: "stale attempt", ref: again })
      expect(refusedLater.mock.calls.map(([error]) => error.message)).toEqual(["stale attempt"])
      // A frame of another key never overtook the start: its refusal is passed on.
      outbox.ack(other as string, "1-4")
      outbox.refuse({ code: "conflict", message: "task u is assigned", ref: other as string })
      expect(refusedLater.mock.calls.map(([error]) => error.message)).toEqual(["stale attempt", "task u is assigned"])
    }))

  it("counts a later frame of the key acked before the earlier one was refused in passing as overtaking it", () =>
    atTopOfDraws(() => {
      const { outbox, sent, refusedLater } = setup()
      void outbox.send(frame("task_started"), "t")
      void outbox.send(frame("task_complete"), "t")
      const [started, complete] = sent.map((one) => one.id as string)
      // The start's append failed after the completion's went through (Redis answered them apart).
      outbox.ack(complete as string, "1-1")
      outbox.refuse({ code: "unavailable", message: "Redis unreachable", ref: started as string })
      outbox.refuse({ code: "conflict", message: "task t is assigned", ref: complete as string })
      expect(refusedLater).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1_000)
      expect(sent.slice(2).map((one) => [one.id === started, one.type])).toEqual([
        [true, "task_started"],
        [false, "task_complete"],
      ])
    }))

  it("sends every frame not acked again, same ids, a second after the server dropped frames over the rate", () => {
    vi.useFakeTimers()
    try {
      const { outbox, sent } = setup()
      void outbox.send(heartbeat)
      void outbox.send(heartbeat)
      const [first, second] = sent.map((one) => one.id)
      outbox.ack(first as string, "1-1")
      // Told twice (two frames dropped): one resend.
      outbox.dropped()
      outbox.dropped()
      vi.advanceTimersByTime(999)
      expect(sent).toHaveLength(2)
      vi.advanceTimersByTime(1)
      expect(sent.map((one) => one.id)).toEqual([first, second, second])
      vi.advanceTimersByTime(1_000)
      expect(sent).toHaveLength(3)
      // The socket lost meanwhile: nothing goes until it is back (then `resend`).
      outbox.dropped()
      outbox.pause()
      vi.advanceTimersByTime(1_000)
      expect(sent).toHaveLength(3)
    } finally {
      vi.useRealTimers()
    }
  })

  it("passes on a refusal that follows the ack", () => {
    const { outbox, sent, refusedLater } = setup()
    void outbox.send({ type: "task_complete", payload: { task_id: "t", attempt: 1, success: true } } as never)
    const id = sent[0]?.id as string
    outbox.ack(id, "1-2")
    expect(outbox.refuse({ code: "conflict", message: "stale attempt", ref: id })).toBe(true)
    expect(refusedLater.mock.calls[0]?.[0]).toMatchObject({ code: "conflict", message: "stale attempt" })
    expect(outbox.refuse({ code: "conflict", message: "who?", ref: "unknown" })).toBe(false)
  })
})
