// A virtualised table: only the rows in view (plus a margin) are in the DOM, so a list of 10,000
// actors costs what a screenful costs. Rows have one fixed height; the scrolling body is focusable
// so the keyboard can scroll it.
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"

interface Props<T> {
  readonly items: ReadonlyArray<T>
  readonly rowHeight: number
  readonly height: number
  readonly label: string
  /** The column headers (each a `columnheader`). */
  readonly columns: ReadonlyArray<string>
  /** The row's cells (each a `cell`). */
  readonly row: (item: T, index: number) => ComponentChildren
  /** A class for the header and every row (the grid of its columns). */
  readonly rowClass?: string
  readonly rowTestId?: (item: T) => string
}

const MARGIN = 8

export function VirtualList<T>({ items, rowHeight, height, label, columns, row, rowClass = "", rowTestId }: Props<T>) {
  const [top, setTop] = useState(0)
  const first = Math.max(0, Math.floor(top / rowHeight) - MARGIN)
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + MARGIN)
  return (
    <div class="vlist" role="table" aria-label={label} aria-rowcount={items.length + 1}>
      <div role="rowgroup">
        <div class={`vrow vhead ${rowClass}`} role="row" aria-rowindex={1}>
          {columns.map((column) => (
            <span role="columnheader">{column}</span>
          ))}
        </div>
      </div>
      <div
        class="vlist-viewport"
        role="rowgroup"
        style={{ height: `${height}px` }}
        onScroll={(event) => setTop(event.currentTarget.scrollTop)}
        tabIndex={0}
      >
        <div role="presentation" style={{ height: `${items.length * rowHeight}px`, position: "relative" }}>
          {items.slice(first, last).map((item, offset) => (
            <div
              class={`vrow ${rowClass}`}
              role="row"
              aria-rowindex={first + offset + 2}
              data-testid={rowTestId?.(item)}
              style={{ top: `${(first + offset) * rowHeight}px`, height: `${rowHeight}px` }}
            >
              {row(item, first + offset)}
            </div>
          ))}
        </div>
      </div>
    </div>
  )
}
