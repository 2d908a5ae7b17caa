// A progress bar on stderr while a side of a scenario runs: one line redrawn in place on a
// terminal; elsewhere (CI, a pipe) a plain line every few seconds.

const REDRAW_MS = 100
const PLAIN_EVERY_MS = 5_000
const WIDTH = 30

export interface Progress {
  /** `done` of the total so far. */
  update(done: number): void
  /** Clears the bar (a terminal) or prints the last line (elsewhere). */
  finish(): void
}

export const progress = (label: string, total: number): Progress => {
  const tty = process.stderr.isTTY === true
  const started = Date.now()
  let last = 0
  let done = 0
  const line = () => {
    const seconds = (Date.now() - started) / 1000
    const share = total > 0 ? Math.min(1, done / total) : 1
    const filled = Math.round(share * WIDTH)
    const rate = seconds > 0 ? Math.round(done / seconds) : 0
    return `${label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${done}/${total} ${rate}/s ${seconds.toFixed(1)} s`
  }
  const draw = (force: boolean) => {
    const now = Date.now()
    if (!force && now - last < (tty ? REDRAW_MS : PLAIN_EVERY_MS)) return
    last = now
    process.stderr.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`)
  }
  if (!tty) last = started
  return {
    update(value) {
      done = value
      draw(false)
    },
    finish() {
      if (tty) process.stderr.write("\r\x1b[2K")
      else draw(true)
    },
  }
}
