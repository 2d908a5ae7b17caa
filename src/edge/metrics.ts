// The edge's Prometheus registry: every metric name declared once here (type, help, buckets), the
// `Metrics` recorder of context.ts over them, series set from other processes' statistics (the
// runtimes' counters and pre-aggregated histograms), and the text exposition format of /metrics.
import { Histogram, SECONDS_BUCKETS, SIZE_BUCKETS } from "../runtime/histogram.ts"
import type { HistogramSnapshot } from "../schema/runtime-stats.ts"
import type { Metrics } from "./context.ts"

type Labels = Readonly<Record<string, string>>

interface Declaration {
  readonly type: "counter" | "gauge" | "histogram"
  readonly help: string
  /** Upper bounds of a histogram's buckets, ascending. */
  readonly buckets?: ReadonlyArray<number>
}

/**
 * Every metric the edge exposes. Recording a name not listed here is a programming error. The
 * `clawbot_runtime_` ones are read from what each live runtime process published (label `member`).
 */
export const METRICS = {
  clawbot_bots_connected: { type: "gauge", help: "Bots with an open control socket on this edge" },
  clawbot_event_subscribers: { type: "gauge", help: "Open event subscription sockets on this edge" },
  clawbot_ws_messages_sent_total: { type: "counter", help: "WebSocket messages sent, by socket (control, events)" },
  clawbot_ws_messages_dropped_total: { type: "counter", help: "WebSocket messages not delivered, by socket and reason" },
  clawbot_ws_frames_rejected_total: { type: "counter", help: "Client frames refused, by error code" },
  clawbot_heartbeats_total: {
    type: "counter",
    help: "Heartbeat frames without an id, by whether they were recorded (appended) or only pushed the agent's expiry back",
  },
  clawbot_http_requests_total: { type: "counter", help: "HTTP requests answered, by route and status" },
  clawbot_http_request_seconds: { type: "histogram", help: "HTTP request handling time, by route", buckets: SECONDS_BUCKETS },
  clawbot_token_lookups_total: { type: "counter", help: "Bearer tokens looked up in Postgres (not in the edge's short cache)" },
  clawbot_rate_limited_total: { type: "counter", help: "HTTP requests refused with 429, by subject (token, address, connections)" },
  clawbot_request_heads_timed_out_total: {
    type: "counter",
    help: "Connections answered 408: their first request's head was not complete within the head timeout",
  },
  clawbot_event_loop_delay_seconds: {
    type: "histogram",
    help: "How late this edge's event loop turned, observed every 100 ms (a stall: one late turn)",
    buckets: SECONDS_BUCKETS,
  },
  clawbot_inbox_lag: { type: "gauge", help: "Inbox entries not yet read by the runtime consumer group, by partition" },
  clawbot_runtime_partitions_owned: { type: "gauge", help: "Inbox partitions a runtime process holds, by member" },
  clawbot_runtime_transitions_total: { type: "counter", help: "State transitions applied, by member and actor kind" },
  clawbot_runtime_commands_total: {
    type: "counter",
    help: "Inbox entries handled, by member and outcome (applied, rejected, redelivered, dead_lettered)",
  },
  clawbot_runtime_batches_total: { type: "counter", help: "Inbox batches applied, by member" },
  clawbot_runtime_failures_total: { type: "counter", help: "Failed steps of a runtime's apply loops, by member" },
  clawbot_runtime_batch_size: { type: "histogram", help: "Inbox entries per applied batch, by member", buckets: SIZE_BUCKETS },
  clawbot_runtime_batch_seconds: {
    type: "histogram",
    help: "Time to apply one batch (load, plan, snapshot write, publish), by member",
    buckets: SECONDS_BUCKETS,
  },
  clawbot_runtime_snapshot_write_seconds: {
    type: "histogram",
    help: "Time of a batch's one-statement Postgres write (snapshots, transitions, fence), by member",
    buckets: SECONDS_BUCKETS,
  },
  clawbot_runtime_inbox_wait_seconds: {
    type: "histogram",
    help: "Time an inbox entry waited from its append to its first read by the runtime, by member",
    buckets: SECONDS_BUCKETS,
  },
  clawbot_runtime_event_loop_delay_seconds: {
    type: "histogram",
    help: "How late a runtime process's event loop turned, observed every 100 ms, by member (leases lapse after a stall of their TTL)",
    buckets: SECONDS_BUCKETS,
  },
} as const satisfies Record<string, Declaration>

/** The prefix of the metrics read from the runtime processes' published statistics. */
export const RUNTIME_METRICS_PREFIX = "clawbot_runtime_"

export interface MetricsRegistry extends Metrics {
  /** Sets a histogram series from pre-aggregated cumulative buckets (another process's histogram). */
  setHistogram(name: string, histogram: HistogramSnapshot, labels?: Readonly<Record<string, string>>): void
  /** Drops every series of the metrics whose names start with `prefix`, before they are set afresh. */
  clear(prefix: string): void
  /** The Prometheus text exposition (format 0.0.4) of every declared metric. */
  render(): string
}

interface Series<V> {
  readonly labels: Labels
  value: V
}

/** A series' key: its labels sorted by name (one label, the everyday case of a frame counted, needs no sort). */
const labelKey = (labels: Labels): string => {
  const names = Object.keys(labels)
  if (names.length === 1) return `${names[0]}=${labels[names[0] as string]}`
  return names
    .sort()
    .map((name) => `${name}=${labels[name]}`)
    .join("\u0000")
}

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')

const formatLabels = (labels: Labels, extra?: string): string => {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`)
  if (extra) parts.push(extra)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const formatValue = (value: number): string => (Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN")

export const createMetrics = (): MetricsRegistry => {
  const scalars = new Map<string, Map<string, Series<number>>>()
  /** Histograms recorded here, or set from another process's snapshot. */
  const histograms = new Map<string, Map<string, Series<Histogram | HistogramSnapshot>>>()

  const declared = (name: string, allowed: ReadonlyArray<Declaration["type"]>): Declaration => {
    const declaration: Declaration | undefined = (METRICS as Record<string, Declaration>)[name]
    if (!declaration) throw new Error(`metric ${name} is not declared in src/edge/metrics.ts`)
    if (!allowed.includes(declaration.type)) throw new Error(`metric ${name} is a ${declaration.type}`)
    return declaration
  }

  const histogramSeries = (name: string): Map<string, Series<Histogram | HistogramSnapshot>> => {
    const series = histograms.get(name) ?? new Map<string, Series<Histogram | HistogramSnapshot>>()
    histograms.set(name, series)
    return series
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
      const series = histogramSeries(name)
      const key = labelKey(labels)
      const existing = series.get(key)?.value
      if (existing instanceof Histogram) return existing.observe(value)
      const histogram = new Histogram(buckets)
      histogram.observe(value)
      series.set(key, { labels: { ...labels }, value: histogram })
    },
    setHistogram(name, histogram, labels = {}) {
      declared(name, ["histogram"])
      histogramSeries(name).set(labelKey(labels), { labels: { ...labels }, value: histogram })
    },
    clear(prefix) {
      for (const name of Object.keys(METRICS)) {
        if (!name.startsWith(prefix)) continue
        scalars.delete(name)
        histograms.delete(name)
      }
    },
    render() {
      const lines: string[] = []
      for (const [name, declaration] of Object.entries(METRICS) as Array<[string, Declaration]>) {
        lines.push(`# HELP ${name} ${declaration.help}`, `# TYPE ${name} ${declaration.type}`)
        if (declaration.type === "histogram") {
          for (const { labels, value: recorded } of histograms.get(name)?.values() ?? []) {
            const value = recorded instanceof Histogram ? recorded.data() : recorded
            value.bounds.forEach((bound, index) => {
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
