// A small live line chart of the last samples (one a second), with its latest value and unit as text
// ("–" before the first sample) and, under it, whatever the caller adds (a note, a link).
import type { ComponentChildren } from "preact"

interface Props {
  readonly label: string
  readonly values: ReadonlyArray<number>
  readonly unit?: string
  readonly children?: ComponentChildren
}

const WIDTH = 240
const HEIGHT = 48

export const Sparkline = ({ label, values, unit = "", children }: Props) => {
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? WIDTH / (values.length - 1) : WIDTH
  const points = values
    .map((value, index) => `${(index * step).toFixed(1)},${(HEIGHT - (value / max) * (HEIGHT - 4) - 2).toFixed(1)}`)
    .join(" ")
  const latest = values.at(-1)
  return (
    <figure class="chart">
      <figcaption>
        {label} <strong data-testid={`metric-${label}`}>{latest === undefined ? "–" : `${latest.toLocaleString()}${unit}`}</strong>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={
          latest === undefined ? `${label}: no sample yet` : `${label}: ${latest}${unit} now, at most ${max}${unit} in the last minute`
        }
      >
        <polyline points={points} />
      </svg>
      {children}
    </figure>
  )
}
