// A virtualised list: only the rows in view (plus a margin) are in the DOM, so a list of 10,000
// actors costs what a screenful costs. Rows have one fixed height.
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"

interface Props<T> {
  readonly items: ReadonlyArray<T>
  readonly rowHeight: number
  readonly height: number
  readonly label: string
  readonly row: (item: T, index: number) => ComponentChildren
  readonly header?: ComponentChildren
}

const MARGIN = 8

export function VirtualList<T>({ items, rowHeight, height, label, row, header }: Props<T>) {
  const [top, setTop] = useState(0)
  const first = Math.max(0, Math.floor(top / rowHeight) - MARGIN)
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + MARGIN)
  return (
    <div class="vlist" role="table" aria-label={label} aria-rowcount={items.length + 1}>
      {header}
      <div class="vlist-viewport" style={{ height: `${height}px` }} onScroll={(event) => setTop(event.currentTarget.scrollTop)} tabIndex={0}>
        <div style={{ height: `${items.length * rowHeight}px`, position: "relative" }} role="rowgroup">
          {items.slice(first, last).map((item, offset) => (
            <div class="vrow" role="row" aria-rowindex={first + offset + 2} style={{ top: `${(first + offset) * rowHeight}px`, height: `${rowHeight}px` }}>
              {row(item, first + offset)}
            </div>
          ))}
        </div>
      </div>
    </div>
  )
}
