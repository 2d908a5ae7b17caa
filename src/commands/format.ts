// How the operator commands print for people: aligned tables, `field: value` blocks, short ids and
// ANSI colours (only when the Io says so).

export type Cell = string | number | boolean | null | undefined

const text = (cell: Cell): string => (cell === null || cell === undefined ? "-" : String(cell))

/** Columns padded to their widest cell, a header row first; `(none)` for no rows. */
export function table(headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>): string {
  if (rows.length === 0) return "(none)\n"
  const cells = [headers, ...rows.map((row) => row.map(text))]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)))
  return `${cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join("  ")).join("\n")}\n`
}

/** `field: value` lines; objects and arrays as compact JSON. */
export function fields(record: Readonly<Record<string, unknown>>): string {
  const width = Math.max(...Object.keys(record).map((key) => key.length))
  return `${Object.entries(record)
    .map(
      ([key, value]) =>
        `${`${key}:`.padEnd(width + 1)} ${typeof value === "object" && value !== null ? JSON.stringify(value) : text(value as Cell)}`,
    )
    .join("\n")}\n`
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const
export type Colour = keyof typeof CODES

export const paint =
  (on: boolean) =>
  (colour: Colour, value: string): string =>
    on ? `\u001b[${CODES[colour]}m${value}\u001b[0m` : value

/** The colour of a state: done well, done badly, waiting, working. */
export function stateColour(state: string | null): Colour {
  if (state === null) return "gray"
  if (["completed", "online"].includes(state)) return "green"
  if (["failed", "timed_out", "timeout", "orphaned", "deregistered", "partially_completed", "degraded"].includes(state)) return "red"
  if (["cancelled", "stopped", "offline", "paused", "draining", "retry_wait", "blocked"].includes(state)) return "yellow"
  return "cyan"
}
