// The edge's Prometheus registry: every metric name declared once here (type, help, buckets), the
// `Metrics` recorder of context.ts over them, and the text exposition format served at /metrics.
import type { Metrics } from "./context.ts"

type Labels = Readonly<Record<string, string>>

interface Declaration {
  readonly type: "counter" | "gauge" | "histogram"
  readonly help: string
  /** Upper bounds of a histogram's buckets, ascending. */
  readonly buckets?: ReadonlyArray<number>
}

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

/** Every metric the edge exposes. Recording a name not listed here is a programming error. */
export const METRICS = {
  clawbot_bots_connected: { type: "gauge", help: "Bots with an open control socket on this edge" },
  clawbot_event_subscribers: { type: "gauge", help: "Open event subscription sockets on this edge" },
  clawbot_ws_messages_sent_total: { type: "counter", help: "WebSocket messages sent, by socket (control, events)" },
  clawbot_ws_messages_dropped_total: { type: "counter", help: "WebSocket messages not delivered, by socket and reason" },
  clawbot_ws_frames_rejected_total: { type: "counter", help: "Client frames refused, by error code" },
  clawbot_http_requests_total: { type: "counter", help: "HTTP requests answered, by route and status" },
  clawbot_http_request_seconds: { type: "histogram", help: "HTTP request handling time, by route", buckets: SECONDS },
  clawbot_inbox_lag: { type: "gauge", help: "Inbox entries not yet read by the runtime consumer group, by partition" },
  clawbot_runtime_partitions_owned: { type: "gauge", help: "Inbox partitions the in-process runtime holds" },
  clawbot_runtime_transitions_total: { type: "counter", help: "State transitions applied by the in-process runtime, by actor kind" },
  clawbot_runtime_commands_total: {
    type: "counter",
    help: "Inbox entries handled by the in-process runtime, by outcome (applied, rejected, redelivered, dead_lettered)",
  },
  clawbot_runtime_batches_total: { type: "counter", help: "Inbox batches applied by the in-process runtime" },
  clawbot_runtime_failures_total: { type: "counter", help: "Failed steps of the in-process runtime's apply loops" },
  clawbot_runtime_batch_size: { type: "histogram", help: "Inbox entries per applied batch", buckets: SIZES },
  clawbot_runtime_batch_seconds: {
    type: "histogram",
    help: "Time to apply one batch, snapshot write included",
    buckets: SECONDS,
  },
} as const satisfies Record<string, Declaration>

export interface MetricsRegistry extends Metrics {
  /** The Prometheus text exposition (format 0.0.4) of every declared metric. */
  render(): string
}

interface Histogram {
  readonly counts: number[]
  sum: number
  count: number
}

interface Series<V> {
  readonly labels: Labels
  value: V
}

const labelKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join("\u0000")

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

const formatLabels = (labels: Labels, extra?: string): string => {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`)
  if (extra) parts.push(extra)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const formatValue = (value: number): string =>
  Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN"

export const createMetrics = (): MetricsRegistry => {
  const scalars = new Map<string, Map<string, Series<number>>>()
  const histograms = new Map<string, Map<string, Series<Histogram>>>()

  const declared = (name: string, allowed: ReadonlyArray<Declaration["type"]>): Declaration => {
    const declaration: Declaration | undefined = (METRICS as Record<string, Declaration>)[name]
    if (!declaration) throw new Error(`metric ${name} is not declared in src/edge/metrics.ts`)
    if (!allowed.includes(declaration.type)) throw new Error(`metric ${name} is a ${declaration.type}`)
    return declaration
  }

  const scalar = (name: string, labels: Labels): Series<number> => {
    const series = scalars.get(name) ?? new Map<string, Series<number>>()
    scalars.set(name, series)
    const key = labelKey(labels)
    const existing = series.get(key)
    if (existing) return existing
    const created = { labels: { ...labels }, value: 0 }
    series.set(key, created)
    return created
  }

  return {
    inc(name, labels = {}, by = 1) {
      declared(name, ["counter", "gauge"])
      scalar(name, labels).value += by
    },
    /** Gauges; counters too when they mirror a cumulative count kept elsewhere (the runtime's stats). */
    set(name, value, labels = {}) {
      declared(name, ["counter", "gauge"])
      scalar(name, labels).value = value
    },
    observe(name, value, labels = {}) {
      const buckets = declared(name, ["histogram"]).buckets ?? []
      const series = histograms.get(name) ?? new Map<string, Series<Histogram>>()
      histograms.set(name, series)
      const key = labelKey(labels)
      const entry = series.get(key) ?? { labels: { ...labels }, value: { counts: buckets.map(() => 0), sum: 0, count: 0 } }
      series.set(key, entry)
      buckets.forEach((bound, index) => {
        if (value <= bound) entry.value.counts[index] = (entry.value.counts[index] ?? 0) + 1
      })
      entry.value.sum += value
      entry.value.count += 1
    },
    render() {
      const lines: string[] = []
      for (const [name, declaration] of Object.entries(METRICS) as Array<[string, Declaration]>) {
        lines.push(`# HELP ${name} ${declaration.help}`, `# TYPE ${name} ${declaration.type}`)
        if (declaration.type === "histogram") {
          for (const { labels, value } of histograms.get(name)?.values() ?? []) {
            ;(declaration.buckets ?? []).forEach((bound, index) => {
              lines.push(`${name}_bucket${formatLabels(labels, `le="${bound}"`)} ${value.counts[index] ?? 0}`)
            })
            lines.push(`${name}_bucket${formatLabels(labels, 'le="+Inf"')} ${value.count}`)
            lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(value.sum)}`)
            lines.push(`${name}_count${formatLabels(labels)} ${value.count}`)
          }
          continue
        }
        const series = scalars.get(name)
        if (!series || series.size === 0) continue
        for (const { labels, value } of series.values()) lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`)
      }
      return `${lines.join("\n")}\n`
    },
  }
}
